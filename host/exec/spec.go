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

// fdsEnv names the executor's spec and status fds, as "SPEC,STATUS". It is the only variable in the executor's
// environment; the service's environment is built from the spec.
const fdsEnv = "SYSMASTER_EXECUTOR_FDS"

// spec is everything the executor needs, as it travels through the spec memfd (JSON, with the Spawn inside in
// its proto encoding so that the contract stays the one wire format for it).
type spec struct {
	Spawn        []byte    `json:"spawn"`
	CgroupProcs  []string  `json:"cgroup_procs,omitempty"`
	Unit         string    `json:"unit,omitempty"`
	InvocationID string    `json:"invocation_id,omitempty"`
	NotifySocket string    `json:"notify_socket,omitempty"`
	Fds          int       `json:"fds"`         // passed from fd 3 on
	Capture      bool      `json:"capture"`     // fds 1 and 2 are the host's capture of journal/kmsg output
	ManagerPid   int       `json:"manager_pid"` // MANAGERPID
	decoded      *pb.Spawn `json:"-"`
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

// parseFdsEnv reads "SPEC,STATUS".
func parseFdsEnv(v string) (specFd, statusFd int, err error) {
	a, b, ok := strings.Cut(v, ",")
	if !ok {
		return 0, 0, fmt.Errorf("malformed %s=%q", fdsEnv, v)
	}
	if specFd, err = strconv.Atoi(a); err != nil {
		return 0, 0, err
	}
	if statusFd, err = strconv.Atoi(b); err != nil {
		return 0, 0, err
	}
	return specFd, statusFd, nil
}
