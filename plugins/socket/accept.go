package socket

import (
	"fmt"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
)

// below applies one of systemd's rate limits (ratelimit_below): at most burst events per interval µs, counted
// from the first event of the interval; interval or burst 0 turns it off.
func (m *machine) below(begin *int64, num *uint32, interval uint64, burst uint32) bool {
	if interval == 0 || burst == 0 {
		return true
	}
	now := m.now().UnixMicro()
	if *begin <= 0 || now < *begin || uint64(now-*begin) > interval {
		*begin, *num = now, 0
	}
	if *num < burst {
		*num++
		return true
	}
	return false
}

func (m *machine) pollBelow() bool {
	return m.below(&m.s.PollBegin, &m.s.PollNum, m.c.PollLimitIntervalUSec, m.c.PollLimitBurst)
}

func (m *machine) triggerBelow() bool {
	return m.below(&m.s.TriggerBegin, &m.s.TriggerNum, m.c.TriggerLimitIntervalUSec, m.c.TriggerLimitBurst)
}

// pausePolling stops watching until the rest of the poll-limit interval has passed (PollLimitIntervalSec=).
func (m *machine) pausePolling() {
	if m.s.PollPaused {
		return
	}
	m.s.PollPaused = true
	left := uint64(1)
	if elapsed := m.now().UnixMicro() - m.s.PollBegin; elapsed >= 0 && uint64(elapsed) < m.c.PollLimitIntervalUSec {
		left = m.c.PollLimitIntervalUSec - uint64(elapsed) + 1 // past the interval: a fresh count
	}
	m.u.Logf("Poll limit hit (%d events in %s), pausing polling for %s.", m.c.PollLimitBurst,
		usec(m.c.PollLimitIntervalUSec, false), usec(left, false))
	m.unwatchAll()
	m.u.ArmTimer(timerPollLimit, left)
}

func (m *machine) onReadable(r *sdk.EventFdReadable) {
	switch {
	case r.Accepted != "":
		m.onAccepted(r)
	case r.AcceptError != "":
		m.u.Logf("Failed to accept connection on %s: %s", r.ID, r.AcceptError)
		if m.s.Sub != subListening {
			return
		}
		if !m.pollBelow() {
			m.pausePolling()
			return
		}
		m.watch(r.ID)
	default:
		m.onTraffic(r.ID)
	}
}

// onTraffic is incoming traffic on an Accept=no listener: the service is started and takes over the listeners.
func (m *machine) onTraffic(id string) {
	if m.s.Sub != subListening || m.c.Accept {
		return // a readiness reported before the watch ended
	}
	if !m.pollBelow() {
		m.pausePolling()
		return
	}
	if !m.triggerBelow() {
		m.u.Logf("Trigger limit hit, refusing further activation.")
		m.stopPre(resTriggerLimitHit)
		return
	}
	m.unwatchAll() // the others still watched; id's watch is spent
	m.u.EnqueueJob(m.c.Service, "start", "replace")
	m.enter(subRunning)
}

// onAccepted is one connection the host accepted on an Accept=yes listener: it starts an instance of the
// service template with the connection, or is refused.
func (m *machine) onAccepted(r *sdk.EventFdReadable) {
	refuse := func() {
		m.u.CloseFd(r.Accepted)
		m.s.NRefused++
	}
	if m.s.Sub != subListening {
		m.u.Logf("Suppressing connection request since unit stop is scheduled.")
		refuse()
		m.enter(orDead(m.s.Sub))
		return
	}
	pollOK := m.pollBelow()
	if !m.triggerBelow() {
		m.u.Logf("Trigger limit hit, refusing further activation.")
		refuse()
		m.stopPre(resTriggerLimitHit)
		return
	}
	switch n := m.fromSource(r.Source); {
	case m.s.NConnections >= uint64(m.c.MaxConnections):
		m.u.Logf("Too many incoming connections (%d), dropping connection.", m.s.NConnections)
		refuse()
	case m.c.MaxConnectionsPerSource > 0 && r.Source != "" && n >= int(m.c.MaxConnectionsPerSource):
		m.u.Logf("Too many incoming connections (%d) from source %s, dropping connection.", n+1, r.Source)
		refuse()
	default:
		name := m.instanceName(r.Instance)
		m.u.EnqueueJob(name, "start", "replace", r.Accepted)
		m.s.NAccepted++
		m.s.NConnections++
		if m.s.Conns == nil {
			m.s.Conns = map[string]string{}
		}
		m.s.Conns[name] = r.Source
	}
	if pollOK {
		m.watch(r.ID)
	} else {
		m.pausePolling()
	}
	m.enter(subListening)
}

// instanceName is the unit that serves connection number NAccepted: "PREFIX@NR-INSTANCE.service", PREFIX being
// the socket's name before "@" or the suffix.
func (m *machine) instanceName(instance string) string {
	prefix, _, _ := unitname.Split(m.u.Name)
	if instance == "" {
		instance = "unknown"
	}
	return fmt.Sprintf("%s@%d-%s.service", prefix, m.s.NAccepted, instance)
}

// fromSource counts the running instances whose connection came from source.
func (m *machine) fromSource(source string) int {
	n := 0
	for _, s := range m.s.Conns {
		if s == source {
			n++
		}
	}
	return n
}
