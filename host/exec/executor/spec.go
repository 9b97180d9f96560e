package executor

// Spec is everything the executor needs to start one process: the command and its execution context as the
// plugin asked for them (host/exec converts the contract's Spawn), and what the host adds. It travels to the
// executor in the spec memfd, in the encoding of codec.go; the field names are those of the contract's Go types
// so that a reader finds each setting under one name.
type Spec struct {
	Path    string // the executable; a name without "/" is looked up in PATH
	Argv    []string
	FdNames []string // names of the passed fds, for LISTEN_FDNAMES and StandardInput=fd:NAME
	Main    bool     // the unit's main process: WATCHDOG_USEC= comes with WATCHDOG_PID
	Exec    Exec

	// CgroupProcs are cgroup.procs files the process joins before anything else.
	CgroupProcs  []string
	Unit         string
	InvocationID string
	// ManagerEnv is the manager's environment (sctl set-environment), before the unit's Environment=.
	ManagerEnv   []string
	NotifySocket string // NOTIFY_SOCKET, "" for none
	Fds          int    // how many fds are passed, from fd 3 on
	// SystemCredentials is where LoadCredential= finds a credential named without a path.
	SystemCredentials string
	// NamespaceUnit and NamespaceInvocation name the activation whose PrivateTmp= directories and shared
	// namespaces the process uses (its own, or one it joins through JoinsNamespaceOf=).
	NamespaceUnit       string
	NamespaceInvocation string
	// UtmpFile and WtmpFile receive UtmpIdentifier='s records.
	UtmpFile, WtmpFile string
	// Under PrivateUsers= the core mounted the credentials (PrepareCredentials), or says why it could not.
	CredentialsReady bool
	CredentialsError string
}

// Exec is the execution context (man systemd.exec) as the contract's ExecContext carries it, less what is not
// the executor's: SyslogIdentifier= names the host's capture, the "-" prefix is the plugin's business, and
// pass_credentials is refused before fork.
type Exec struct {
	User                  string
	Group                 string
	SupplementaryGroups   []string
	WorkingDirectory      string // "~" for the user's home; a leading "-" ignores a missing directory
	RootDirectory         string
	Environment           []string // KEY=VALUE, final
	Umask                 int32    // -1 for the default 0022
	Nice                  int32
	NiceSet               bool
	OomScoreAdjust        int32
	OomScoreAdjustSet     bool
	Limits                map[string]*Rlimit // key: "NOFILE", "NPROC", …
	CpuSchedulingPolicy   string
	CpuSchedulingPriority int32
	NoNewPrivileges       bool
	CapabilityBoundingSet []string // empty: unchanged
	AmbientCapabilities   []string
	StandardInput         string
	StandardOutput        string
	StandardError         string
	TtyPath               string
	Directories           map[string]*DirectorySet // key: runtime, state, cache, logs, configuration
	PrivateTmp            bool
	Setsid                bool
	FullPrivileges        bool // "+" prefix
	AmbientOnly           bool // "!" prefix
	StandardInputData     []byte
	KeepSigpipe           bool // IgnoreSIGPIPE=no
	NoCapabilities        bool // CapabilityBoundingSet= resolved to the empty set
	Sandbox               *Sandbox
	Ioprio                int32
	IoprioSet             bool
	CpuAffinity           []uint32
	KeyringMode           string
	Credentials           []*Credential
	TtyReset              bool
	TtyVhangup            bool
	TtyVtDisallocate      bool
	TtyRows               uint32
	TtyColumns            uint32
	UtmpIdentifier        string
	UtmpMode              string
}

// Sandbox is the file-system, namespace and system-call confinement of a process (the contract's Sandbox).
type Sandbox struct {
	ProtectSystem              string
	ProtectHome                string
	PrivateDevices             bool
	PrivateMounts              bool
	Paths                      []*PathRule
	TemporaryFileSystems       []*TmpfsMount
	Binds                      []*BindMount
	MountFlags                 string
	ProtectKernelTunables      bool
	ProtectKernelModules       bool
	ProtectKernelLogs          bool
	ProtectControlGroups       bool
	ProtectProc                string
	ProcSubset                 string
	PrivateNetwork             bool
	PrivateIpc                 bool
	ProtectHostname            bool
	ProtectClock               bool
	SyscallFilter              *SyscallFilter
	SyscallArchitecturesNative bool
	AddressFamilies            []int32
	AddressFamiliesAllow       bool
	AddressFamiliesSet         bool
	RestrictRealtime           bool
	RestrictSuidSgid           bool
	LockPersonality            bool
	MemoryDenyWriteExecute     bool
	NamespacesAllowed          uint64
	RestrictNamespacesSet      bool
	PrivateUsers               bool
	SyscallLog                 []string
	SyscallLogAllow            bool
	SyscallLogSet              bool
}

// PathRule is one path of ReadWritePaths= and its kin.
type PathRule struct {
	Kind         string // read-write, read-only, inaccessible, exec, no-exec
	Path         string
	Optional     bool
	RootRelative bool
}

// TmpfsMount is one TemporaryFileSystem= entry.
type TmpfsMount struct {
	Path    string
	Options string
}

// BindMount is one BindPaths= or BindReadOnlyPaths= entry.
type BindMount struct {
	Source       string
	Destination  string
	ReadOnly     bool
	Optional     bool
	NonRecursive bool
}

// SyscallFilter is SystemCallFilter= with SystemCallErrorNumber=.
type SyscallFilter struct {
	AllowList    bool
	Names        []string
	Errnos       map[string]int32 // per name of a deny list; -1 kills
	DefaultErrno int32            // 0 kills with SIGSYS
}

// Rlimit is one Limit*= setting.
type Rlimit struct {
	Soft, Hard uint64
}

// DirectorySet is one of RuntimeDirectory= and its kin.
type DirectorySet struct {
	Paths    []string
	Mode     uint32
	Preserve bool
}

// Credential is one LoadCredential= or SetCredential=.
type Credential struct {
	Id        string
	Path      string
	Data      []byte
	Encrypted bool
}
