package socket

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// Sub-states, systemd's names (man systemd.socket, `systemctl --state=help`). start-chown is never entered: the
// host applies SocketUser= and SocketGroup= itself when it opens the socket.
const (
	subDead           = "dead"
	subStartPre       = "start-pre"
	subStartChown     = "start-chown"
	subStartPost      = "start-post"
	subListening      = "listening"
	subRunning        = "running"
	subStopPre        = "stop-pre"
	subStopPreSigterm = "stop-pre-sigterm"
	subStopPreSigkill = "stop-pre-sigkill"
	subStopPost       = "stop-post"
	subFinalSigterm   = "final-sigterm"
	subFinalSigkill   = "final-sigkill"
	subFailed         = "failed"
)

// activeOf maps a sub-state to the generic active state, as systemd's state table does.
var activeOf = map[string]sdk.ActiveState{
	subDead:           sdk.Inactive,
	subStartPre:       sdk.Activating,
	subStartChown:     sdk.Activating,
	subStartPost:      sdk.Activating,
	subListening:      sdk.Active,
	subRunning:        sdk.Active,
	subStopPre:        sdk.Deactivating,
	subStopPreSigterm: sdk.Deactivating,
	subStopPreSigkill: sdk.Deactivating,
	subStopPost:       sdk.Deactivating,
	subFinalSigterm:   sdk.Deactivating,
	subFinalSigkill:   sdk.Deactivating,
	subFailed:         sdk.Failed,
}

// Results, systemd's names for the Result= property.
const (
	resSuccess              = control.Success
	resResources            = control.Resources
	resTimeout              = control.Timeout
	resTriggerLimitHit      = "trigger-limit-hit"
	resServiceStartLimitHit = "service-start-limit-hit"
	serviceStartLimitHit    = "start-limit-hit" // the result of a service that hit its start limit
)

// Control command phases, named as the ids of their spawns ("start-pre/0", "stop-post/1", …).
const (
	phaseStartPre  = "start-pre"
	phaseStartPost = "start-post"
	phaseStopPre   = "stop-pre"
	phaseStopPost  = "stop-post"
)

// Timer ids.
const (
	timerPhase     = control.DefaultTimer // TimeoutSec= of the current control phase or kill state
	timerPollLimit = "poll-limit"         // the end of a PollLimitIntervalSec= pause
)

// State is what the plugin keeps about one socket between events; the host stores it.
type State struct {
	// Sub, Result, and the control command being run (Phase, Index).
	control.State

	NAccepted    uint64 `json:",omitempty"`
	NConnections uint64 `json:",omitempty"`
	NRefused     uint64 `json:",omitempty"`
	// Conns maps each running Accept=yes instance to the source of its connection (MaxConnectionsPerSource=).
	Conns map[string]string `json:",omitempty"`

	// Trigger and poll rate limits, as systemd's ratelimit: the start of the current interval (CLOCK_REALTIME
	// µs) and the number of events in it.
	TriggerBegin int64  `json:",omitempty"`
	TriggerNum   uint32 `json:",omitempty"`
	PollBegin    int64  `json:",omitempty"`
	PollNum      uint32 `json:",omitempty"`
	// PollPaused: the poll limit was hit; listeners are not watched again until the poll-limit timer fires.
	PollPaused bool `json:",omitempty"`
	// Control: a control process (Exec*=) is believed alive.
	Control bool `json:",omitempty"`
	// Open: the listeners were opened (OpenSocket) and not closed since.
	Open bool `json:",omitempty"`

	// ServiceActive: the triggered service (Accept=no) was last reported active, activating or reloading.
	ServiceActive bool `json:",omitempty"`
	// ServiceStarting: the triggered service was last reported activating: its start runs with the listeners
	// of this socket's current start.
	ServiceStarting bool `json:",omitempty"`
	// NotOpen are listeners whose OpenSocket failed: the host holds nothing under their ids.
	NotOpen []string `json:",omitempty"`
}
