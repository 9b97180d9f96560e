package exec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// executorArg0 is argv[0] of the core when it runs as the executor.
const executorArg0 = "sysmaster-executor"

// fdsEnv names the executor's spec, status and go-ahead fds, as "SPEC,STATUS,GO". It is the only variable in the executor's
// environment; the service's environment is built from the spec.
const fdsEnv = "SYSMASTER_EXECUTOR_FDS"

// spec is everything the executor needs, as it travels through the spec memfd (JSON, with the Spawn inside in
// its proto encoding so that the contract stays the one wire format for it).
type spec struct {
	Spawn        []byte   `json:"spawn"`
	CgroupProcs  []string `json:"cgroup_procs,omitempty"`
	Unit         string   `json:"unit,omitempty"`
	InvocationID string   `json:"invocation_id,omitempty"`
	ManagerEnv   []string `json:"manager_env,omitempty"`
	NotifySocket string   `json:"notify_socket,omitempty"`
	Fds          int      `json:"fds"`         // passed from fd 3 on
	Capture      bool     `json:"capture"`     // fds 1 and 2 are the host's capture of journal/kmsg output
	ManagerPid   int      `json:"manager_pid"` // MANAGERPID
	// SystemCredentials is where LoadCredential= finds a credential named without a path.
	SystemCredentials string `json:"system_credentials,omitempty"`
	// NamespaceUnit and NamespaceInvocation name the activation whose PrivateTmp= directories and shared
	// namespaces the process uses (its own, or one it joins through JoinsNamespaceOf=).
	NamespaceUnit       string `json:"namespace_unit,omitempty"`
	NamespaceInvocation string `json:"namespace_invocation,omitempty"`
	// UtmpFile and WtmpFile receive UtmpIdentifier='s records.
	UtmpFile string `json:"utmp_file,omitempty"`
	WtmpFile string `json:"wtmp_file,omitempty"`
	// Under PrivateUsers= the core mounted the credentials (privileged.go), or says why it could not.
	CredentialsReady bool      `json:"credentials_ready,omitempty"`
	CredentialsError string    `json:"credentials_error,omitempty"`
	decoded          *pb.Spawn `json:"-"`
}

func encodeSpec(s *pb.Spawn, sp spec) ([]byte, error) {
	b, err := proto.Marshal(s)
	if err != nil {
		return nil, err
	}
	sp.Spawn = b
	return json.Marshal(sp)
}

func decodeSpec(b []byte) (*spec, error) {
	var sp spec
	if err := json.Unmarshal(b, &sp); err != nil {
		return nil, err
	}
	sp.decoded = &pb.Spawn{}
	if err := proto.Unmarshal(sp.Spawn, sp.decoded); err != nil {
		return nil, err
	}
	return &sp, nil
}

// parseFdsEnv reads "SPEC,STATUS,GO".
func parseFdsEnv(v string) (specFd, statusFd, goFd int, err error) {
	f := strings.Split(v, ",")
	if len(f) != 3 {
		return 0, 0, 0, fmt.Errorf("malformed %s=%q", fdsEnv, v)
	}
	var fds [3]int
	for i, s := range f {
		if fds[i], err = strconv.Atoi(s); err != nil {
			return 0, 0, 0, fmt.Errorf("malformed %s=%q: %w", fdsEnv, v, err)
		}
	}
	return fds[0], fds[1], fds[2], nil
}
