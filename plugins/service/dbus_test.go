package service

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// TestDBusMachine: a Type=dbus service is activating until the host says its name has an owner, active while it
// keeps it, and stopped (result success) when it lets it go; events about another name, or that say nothing new,
// change nothing.
func TestDBusMachine(t *testing.T) {
	owner := func(s *sim, name, owner string) {
		s.send(&sdk.Event{Kind: &sdk.EventBusName{Name: name, Owner: owner}})
	}
	s := newSim(t, Config{Type: "dbus", BusName: "org.example.Test", ExecStart: []Command{cmd("/bin/daemon")}, TimeoutStartUSec: 90e6})
	s.start()
	s.want(sdk.Activating, subStart, "")
	owner(s, "org.example.Test", "") // the host connected: nobody owns it yet
	s.want(sdk.Activating, subStart, "")
	owner(s, "org.example.Other", ":1.7")
	s.want(sdk.Activating, subStart, "")
	owner(s, "org.example.Test", ":1.8")
	s.want(sdk.Active, subRunning, resSuccess)
	owner(s, "org.example.Test", ":1.8") // again, after the host reconnected to the bus
	s.want(sdk.Active, subRunning, resSuccess)
	owner(s, "org.example.Test", "")
	s.want(sdk.Deactivating, subStopSigterm, "")
	if k := s.lastKill(); k.Signal != 15 {
		t.Errorf("name lost: killed with %d", k.Signal)
	}
	if n := countPrefix(s.logs, "D-Bus name org.example.Test now not owned by anyone."); n != 1 {
		t.Errorf("the loss is logged %d times: %q", n, s.logs)
	}
	s.exit("start/0", 2, 15)
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
	owner(s, "org.example.Test", ":1.9") // a stopped service only notes it
	s.want(sdk.Inactive, subDead, resSuccess)

	// The start timeout still applies while the name does not come.
	s = newSim(t, Config{Type: "dbus", BusName: "org.example.Test", ExecStart: []Command{cmd("/bin/daemon")}, TimeoutStartUSec: 1e6})
	s.start()
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subStopSigterm, "")

	// Another type ignores bus names.
	s = newSim(t, Config{Type: "simple", BusName: "org.example.Test", ExecStart: []Command{cmd("/bin/daemon")}})
	s.start()
	s.want(sdk.Active, subRunning, resSuccess)
	owner(s, "org.example.Test", "")
	s.want(sdk.Active, subRunning, resSuccess)
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
