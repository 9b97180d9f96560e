package main

import (
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Config is one service's [Service] section, parsed (man systemd.service, systemd.exec, systemd.kill,
// systemd.resource-control). The host stores it as JSON and hands it back with every event. Durations are in
// microseconds; 0 means "infinity" (no timeout) where systemd treats 0 so.
type Config struct {
	Type            string // simple, exec, forking, oneshot, notify, notify-reload, idle
	RemainAfterExit bool
	GuessMainPID    bool
	PIDFile         string

	ExecCondition []Command
	ExecStartPre  []Command
	ExecStart     []Command
	ExecStartPost []Command
	ExecReload    []Command
	ExecStop      []Command
	ExecStopPost  []Command

	Restart                  string // no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always
	RestartUSec              uint64
	RestartSteps             uint32
	RestartMaxDelayUSec      uint64 // 0: unset
	RestartPreventExitStatus ExitStatusSet
	RestartForceExitStatus   ExitStatusSet
	SuccessExitStatus        ExitStatusSet

	TimeoutStartUSec uint64
	TimeoutStopUSec  uint64
	TimeoutAbortUSec uint64
	RuntimeMaxUSec   uint64
	WatchdogUSec     uint64

	NotifyAccess string // none, main, exec, all
	OOMPolicy    string // continue, stop, kill

	KillMode          string // control-group, mixed, process, none
	KillSignal        int
	RestartKillSignal int
	FinalKillSignal   int
	WatchdogSignal    int
	ReloadSignal      int
	SendSIGKILL       bool
	SendSIGHUP        bool

	// Exec is the execution context every command starts from; Environment holds Environment= only.
	Exec             *pb.ExecContext
	EnvironmentFiles []EnvironmentFile
	PassEnvironment  []string
	UnsetEnvironment []string

	// RuntimeDirectoryPreserve is no, yes or restart: with restart the runtime directories survive a restart
	// of the service but not a stop (Exec.Directories["runtime"].Preserve says only yes).
	RuntimeDirectoryPreserve string
	// NoCapabilities is set when CapabilityBoundingSet= resolves to the empty set: every capability is
	// dropped, which Exec.CapabilityBoundingSet (empty: unchanged) cannot express.
	NoCapabilities bool

	Cgroup *pb.CgroupSettings
	// CPUWeightIdle is CPUWeight=idle (cgroup v2 cpu.idle); Cgroup.CpuWeight is then 1.
	CPUWeightIdle bool

	Sockets []string
}

// Command is one command line of an Exec*= key, with its prefixes (man systemd.service, "Command lines").
type Command struct {
	Path string   // the executable
	Argv []string // argv[0] included; with "@" it is the second word of the line

	IgnoreFailure  bool // "-": a failing exit status counts as success
	NoExpand       bool // ":": no environment variable expansion
	FullPrivileges bool // "+"
	AmbientOnly    bool // "!"
	NoAmbient      bool // "!!"

	// Where the command was written, for messages.
	File string
	Line int32
}

// EnvironmentFile is one EnvironmentFile= path; Optional when written with a leading "-".
type EnvironmentFile struct {
	Path     string
	Optional bool
}

// ExitStatusSet is SuccessExitStatus= and its kin: exit statuses and signal numbers.
type ExitStatusSet struct {
	Statuses []int
	Signals  []int
}
