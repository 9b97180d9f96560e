package service

import "github.com/sysmaster/sysmaster/sdk/exec"

// Config is one service's [Service] section, parsed (man systemd.service, systemd.exec, systemd.kill,
// systemd.resource-control). The host stores it as JSON and hands it back with every event. Durations are in
// microseconds; 0 means "infinity" (no timeout) where systemd treats 0 so.
//
// Fields at their zero value are left out of the JSON (omitzero, here and in sdk/exec's settings): the core keeps
// every unit's config bytes, and a oneshot's shrink from 1,264 bytes to about 600. Handle decodes into a zero
// Config, so a field left out and one spelled at its zero value (the bytes of earlier releases, kept in a
// checkpoint) decode the same.
type Config struct {
	Type            string `json:",omitzero"` // simple, exec, forking, oneshot, notify, notify-reload, idle
	RemainAfterExit bool   `json:",omitzero"`
	GuessMainPID    bool   `json:",omitzero"`
	PIDFile         string `json:",omitzero"`

	ExecCondition []Command `json:",omitzero"`
	ExecStartPre  []Command `json:",omitzero"`
	ExecStart     []Command `json:",omitzero"`
	ExecStartPost []Command `json:",omitzero"`
	ExecReload    []Command `json:",omitzero"`
	ExecStop      []Command `json:",omitzero"`
	ExecStopPost  []Command `json:",omitzero"`

	// Restart is no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or always.
	Restart                  string        `json:",omitzero"`
	RestartUSec              uint64        `json:",omitzero"`
	RestartSteps             uint32        `json:",omitzero"`
	RestartMaxDelayUSec      uint64        `json:",omitzero"` // 0: unset
	RestartPreventExitStatus ExitStatusSet `json:",omitzero"`
	RestartForceExitStatus   ExitStatusSet `json:",omitzero"`
	SuccessExitStatus        ExitStatusSet `json:",omitzero"`

	TimeoutStartUSec uint64 `json:",omitzero"`
	TimeoutStopUSec  uint64 `json:",omitzero"`
	TimeoutAbortUSec uint64 `json:",omitzero"`
	RuntimeMaxUSec   uint64 `json:",omitzero"`
	WatchdogUSec     uint64 `json:",omitzero"`

	NotifyAccess string `json:",omitzero"` // none, main, exec, all
	OOMPolicy    string `json:",omitzero"` // continue, stop, kill

	// KillMode=, KillSignal=, … (man systemd.kill), the execution context (man systemd.exec) and resource control
	// (man systemd.resource-control), shared with the socket plugin; embedded so that the JSON stays flat.
	exec.KillSettings
	ReloadSignal int `json:",omitzero"`
	exec.ExecSettings
	exec.CgroupConfig

	Sockets []string `json:",omitzero"`
	BusName string   `json:",omitzero"` // BusName= (Type=dbus: the name whose appearance ends the start)
}

// Command is one command line of an Exec*= key, with its prefixes (man systemd.service, "Command lines").
type Command = exec.Command

// EnvironmentFile is one EnvironmentFile= path; Optional when written with a leading "-".
type EnvironmentFile = exec.EnvironmentFile

// ExitStatusSet is SuccessExitStatus= and its kin: exit statuses and signal numbers.
type ExitStatusSet struct {
	Statuses []int `json:",omitzero"`
	Signals  []int `json:",omitzero"`
}
