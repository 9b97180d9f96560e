package service

import (
	"errors"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// TestDBusMachine: a Type=dbus service is activating until its name has an owner, active while it keeps it, and
// stopped (result success) when it lets it go; a bus that does not answer changes nothing but the log.
func TestDBusMachine(t *testing.T) {
	owned, busErr := false, error(nil)
	saved := nameOwned
	nameOwned = func(name string) (bool, bool, error) {
		if name != "org.example.Test" {
			t.Errorf("asked about %q", name)
		}
		return owned, busErr == nil, busErr
	}
	defer func() { nameOwned = saved }()

	s := newSim(t, Config{Type: "dbus", BusName: "org.example.Test", ExecStart: []Command{cmd("/bin/daemon")}, TimeoutStartUSec: 90e6})
	s.start()
	s.want(sdk.Activating, subStart, "")
	s.fire(timerBusName)
	s.want(sdk.Activating, subStart, "")
	busErr = errors.New("no bus")
	s.fire(timerBusName)
	s.fire(timerBusName) // logged once
	s.want(sdk.Activating, subStart, "")
	if n := countPrefix(s.logs, "Cannot watch org.example.Test"); n != 1 {
		t.Errorf("bus error logged %d times: %q", n, s.logs)
	}
	busErr, owned = nil, true
	s.fire(timerBusName)
	s.want(sdk.Active, subRunning, resSuccess)
	s.fire(timerBusName) // the watch goes on while running
	s.want(sdk.Active, subRunning, resSuccess)
	owned = false
	s.fire(timerBusName)
	s.want(sdk.Deactivating, subStopSigterm, "")
	if k := s.lastKill(); k.Signal != 15 {
		t.Errorf("name lost: killed with %d", k.Signal)
	}
	s.exit("start/0", 2, 15)
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
	if _, armed := s.timers[timerBusName]; armed {
		s.fire(timerBusName) // a late poll after the stop is ignored
		s.want(sdk.Inactive, subDead, resSuccess)
	}

	// The start timeout still applies while the name does not come.
	s = newSim(t, Config{Type: "dbus", BusName: "org.example.Test", ExecStart: []Command{cmd("/bin/daemon")}, TimeoutStartUSec: 1e6})
	s.start()
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subStopSigterm, "")
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}
