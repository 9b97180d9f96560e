package service

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// Sub-states, systemd's names (man systemd.service, `systemctl --state=help`).
const (
	subDead         = "dead"
	subCondition    = "condition"
	subStartPre     = "start-pre"
	subStart        = "start"
	subStartPost    = "start-post"
	subRunning      = "running"
	subExited       = "exited"
	subReload       = "reload"
	subReloadSignal = "reload-signal"
	subReloadNotify = "reload-notify"
	subStop         = "stop"
	subStopWatchdog = "stop-watchdog"
	subStopSigterm  = "stop-sigterm"
	subStopSigkill  = "stop-sigkill"
	subStopPost     = "stop-post"
	subFinalSigterm = "final-sigterm"
	subFinalSigkill = "final-sigkill"
	subFailed       = "failed"
	subAutoRestart  = "auto-restart"
)

// activeOf maps a sub-state to the generic active state, as systemd's state table does.
var activeOf = map[string]sdk.ActiveState{
	subDead:         sdk.Inactive,
	subCondition:    sdk.Activating,
	subStartPre:     sdk.Activating,
	subStart:        sdk.Activating,
	subStartPost:    sdk.Activating,
	subRunning:      sdk.Active,
	subExited:       sdk.Active,
	subReload:       sdk.Reloading,
	subReloadSignal: sdk.Reloading,
	subReloadNotify: sdk.Reloading,
	subStop:         sdk.Deactivating,
	subStopWatchdog: sdk.Deactivating,
	subStopSigterm:  sdk.Deactivating,
	subStopSigkill:  sdk.Deactivating,
	subStopPost:     sdk.Deactivating,
	subFinalSigterm: sdk.Deactivating,
	subFinalSigkill: sdk.Deactivating,
	subFailed:       sdk.Failed,
	subAutoRestart:  sdk.Activating,
}

// Results, systemd's names for the Result= property.
const (
	resSuccess   = control.Success
	resExitCode  = control.ExitCode
	resSignal    = control.Signal
	resCoreDump  = control.CoreDump
	resTimeout   = control.Timeout
	resWatchdog  = "watchdog"
	resResources = control.Resources
	resProtocol  = "protocol"
	resOOMKill   = "oom-kill"
)

// Timer ids.
const (
	timerPhase    = control.DefaultTimer // the current phase's TimeoutStartSec=, TimeoutStopSec=, RuntimeMaxSec=, …
	timerWatchdog = sdk.WatchdogTimer    // WatchdogSec=
	timerRestart  = "restart"            // RestartSec=
)

// State is what the plugin keeps about one service between events; the host stores it.
type State struct {
	// Sub, Result, and the command being run: Phase is one of the Exec* keys without "Exec" ("start-pre"),
	// Index the command in it.
	control.State

	MainExited  bool  `json:",omitempty"` // the main process (or, for forking, the daemon) is gone
	MainCode    int32 `json:",omitempty"` // its exit, as ChildExited reported it
	MainStatus  int32 `json:",omitempty"`
	ReadySeen   bool  `json:",omitempty"` // READY=1 came (notify types)
	CgroupEmpty bool  `json:",omitempty"` // the host said the cgroup emptied since the last spawn

	Stopping      bool   `json:",omitempty"` // a stop was asked (no restart afterwards)
	ReloadResult  string `json:",omitempty"`
	RestartQueued bool   `json:",omitempty"` // the restart timer fired: the restart job's stop and start follow
	NRestarts     uint32 `json:",omitempty"`

	WatchdogUSec uint64 `json:",omitempty"` // WATCHDOG_USEC= from the service overrides WatchdogSec=

	StatusText  string `json:",omitempty"`
	StatusErrno int    `json:",omitempty"`

	BusNameGood bool `json:",omitempty"` // Type=dbus: the host last said BusName= has an owner (dbus.go)
}
