package service

import "github.com/sysmaster/sysmaster/sdk/exec"

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

	// KillMode=, KillSignal=, … (man systemd.kill), the execution context (man systemd.exec) and resource control
	// (man systemd.resource-control), shared with the socket plugin; embedded so that the JSON stays flat.
	exec.KillSettings
	ReloadSignal int
	exec.ExecSettings
	exec.CgroupConfig

	Sockets []string
	BusName string // BusName= (Type=dbus: the name whose appearance ends the start)
}

// Command is one command line of an Exec*= key, with its prefixes (man systemd.service, "Command lines").
type Command = exec.Command

// EnvironmentFile is one EnvironmentFile= path; Optional when written with a leading "-".
type EnvironmentFile = exec.EnvironmentFile

// ExitStatusSet is SuccessExitStatus= and its kin: exit statuses and signal numbers.
type ExitStatusSet struct {
	Statuses []int
	Signals  []int
}
