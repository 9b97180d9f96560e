package automount

import (
	"slices"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/sdk"
)

// State is what the host keeps for one automount between events. The zero value is one that never started.
type State struct {
	Sub    string `json:",omitempty"`
	Result string `json:",omitempty"`
	// Tokens are the kernel's requests for the mount (accesses waiting for it), ExpireTokens its requests to
	// unmount it; each is answered once the mount unit is up, or down.
	Tokens       []uint32 `json:",omitempty"`
	ExpireTokens []uint32 `json:",omitempty"`
	// MountSub is the mount unit's sub-state as its UnitChanged events told it.
	MountSub string `json:",omitempty"`
}

// Sub-states, systemd's automount states.
const (
	subDead    = "dead"
	subWaiting = "waiting" // the autofs trap is set
	subRunning = "running" // the mount was triggered
	subFailed  = "failed"
)

var activeOf = map[string]sdk.ActiveState{
	subDead: sdk.Inactive, subWaiting: sdk.Active, subRunning: sdk.Active, subFailed: sdk.Failed,
}

const (
	pipeID      = "autofs" // the autofs pipe the host holds
	expireTimer = "expire"
)

// machine applies one event to one automount (systemd's automount.c).
type machine struct {
	c  *Config
	st *State
	u  *sdk.Unit
}

func (m *machine) enter(sub string) {
	m.st.Sub = sub
	if m.st.Result == "" {
		m.st.Result = "success"
	}
	m.u.Report(&sdk.StateReport{Active: activeOf[sub], Sub: sub, Result: m.st.Result,
		Properties: map[string]string{"Result": m.st.Result}})
}

func (m *machine) up() bool { return m.st.Sub == subWaiting || m.st.Sub == subRunning }

func (m *machine) handle(ev *sdk.Event) {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		if m.up() {
			m.enter(m.st.Sub)
			return
		}
		m.st.Result = "success"
		m.u.Do(&sdk.OpenAutofs{ID: pipeID, Where: m.c.Where, DirectoryMode: m.c.DirectoryMode,
			TimeoutIdleUSec: m.c.TimeoutIdleUSec, ExtraOptions: m.c.ExtraOptions})
		m.enter(subWaiting)
	case *sdk.EventStop:
		if m.up() {
			m.reply(&m.st.Tokens, -int32(unix.EHOSTDOWN))
			m.reply(&m.st.ExpireTokens, -int32(unix.EHOSTDOWN))
			m.u.CloseFd(pipeID)
			m.u.DisarmTimer(expireTimer)
		}
		m.enter(subDead)
	case *sdk.EventFdOpenFailed:
		if e.ID == pipeID {
			m.u.Logf("Failed to initialize automounter: %s", e.Message)
			m.st.Result = "resources"
			m.enter(subFailed)
		}
	case *sdk.EventAutofsPacket:
		m.packet(e)
	case *sdk.EventUnitChanged:
		if e.Unit == m.c.Mount {
			m.mountChanged(e.Sub)
		}
	case *sdk.EventEnqueueFailed:
		if e.Unit == m.c.Mount && e.Type == "start" {
			m.u.Logf("Failed to queue mount startup job: %s", e.Message)
			m.reply(&m.st.Tokens, -int32(unix.ENODEV))
		} else if e.Unit == m.c.Mount {
			m.reply(&m.st.ExpireTokens, -int32(unix.EBUSY))
		}
	case *sdk.EventTimerFired:
		if e.ID == expireTimer && m.up() {
			m.u.Do(&sdk.ExpireAutofs{ID: pipeID})
			m.u.ArmTimer(expireTimer, m.expirePeriod())
		}
	case *sdk.EventRecover:
		if m.up() {
			m.u.WatchFd(pipeID, true) // the host kept the pipe; its watch is the unit's to ask for
		}
		if m.st.Sub != "" {
			m.enter(m.st.Sub)
		}
	case *sdk.EventResetFailed:
		if m.st.Sub == subFailed {
			m.st.Result = "success"
			m.enter(subDead)
		}
	}
}

// packet handles one request of the kernel: an access needs the mount (start the mount unit, or answer at once
// when it is up already), or an idle mount should go (stop the mount unit).
func (m *machine) packet(e *sdk.EventAutofsPacket) {
	if !m.up() {
		m.u.Do(&sdk.AutofsReply{ID: e.ID, Tokens: []uint32{e.Token}, Status: -int32(unix.EHOSTDOWN)})
		return
	}
	if e.Expire {
		m.st.ExpireTokens = append(m.st.ExpireTokens, e.Token)
		m.u.EnqueueJob(m.c.Mount, "stop", "replace")
		return
	}
	m.st.Tokens = append(m.st.Tokens, e.Token)
	if m.st.MountSub == "mounted" {
		m.reply(&m.st.Tokens, 0)
	} else {
		m.u.EnqueueJob(m.c.Mount, "start", "replace")
	}
	m.enter(subRunning)
}

// mountChanged follows the mount unit (systemd's automount_trigger_notify): mounted releases the accesses
// waiting for it and starts the idle checks; an unhappy state fails them; dead answers the expires and sets the
// trap again.
func (m *machine) mountChanged(sub string) {
	m.st.MountSub = sub
	if !m.up() {
		return
	}
	switch sub {
	case "mounted", "remounting":
		m.reply(&m.st.Tokens, 0)
		m.reply(&m.st.ExpireTokens, -int32(unix.EBUSY)) // still mounted: the expire did not happen
		if m.c.TimeoutIdleUSec > 0 {
			m.u.ArmTimer(expireTimer, m.expirePeriod())
		}
		if m.st.Sub != subRunning {
			m.enter(subRunning)
		}
	case "dead", "failed":
		m.reply(&m.st.Tokens, -int32(unix.ENODEV))
		m.reply(&m.st.ExpireTokens, 0)
		m.u.DisarmTimer(expireTimer)
		m.enter(subWaiting)
	case "unmounting", "unmounting-sigterm", "unmounting-sigkill", "remounting-sigterm", "remounting-sigkill":
		m.reply(&m.st.Tokens, -int32(unix.ENODEV))
	}
}

// reply answers the tokens with status and forgets them.
func (m *machine) reply(tokens *[]uint32, status int32) {
	if len(*tokens) == 0 {
		return
	}
	m.u.Do(&sdk.AutofsReply{ID: pipeID, Tokens: slices.Clone(*tokens), Status: status})
	*tokens = nil
}

// expirePeriod is how often the kernel is asked to expire: a third of the idle time, at least a second, as
// systemd's automount_start_expire.
func (m *machine) expirePeriod() uint64 {
	return max(m.c.TimeoutIdleUSec/3, 1e6)
}
