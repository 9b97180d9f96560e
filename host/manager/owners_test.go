package manager

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Each owner's part of a unit's record goes through JSON and back into a fresh manager unchanged: what the
// process table, the timer table and the descriptor table save is what they restore.
func TestOwnersRoundTrip(t *testing.T) {
	var savedTimers timerRecord
	for _, tc := range []struct {
		name string
		// fill gives the unit something to own; check compares the restored unit with the saved one.
		fill  func(m *Manager, u *Unit)
		save  func(m *Manager, u *Unit) any
		load  func(m *Manager, u *Unit, b []byte)
		check func(t *testing.T, m *Manager, was, u *Unit)
	}{
		{
			name: "processes",
			fill: func(m *Manager, u *Unit) {
				u.addChild(41, child{id: "start/0", role: pb.Role_ROLE_MAIN})
				u.addChild(42, child{id: "stop/0", role: pb.Role_ROLE_CONTROL})
				u.addChild(43, child{role: pb.Role_ROLE_HELPER})
				u.MainPid, u.ControlPid = 41, 42
				u.execMain = execMain{pid: 41, start: stamp{wall: time.Unix(100, 5).UnixNano(), mono: 7}, code: 1, status: 3}
			},
			save: func(m *Manager, u *Unit) any { return m.procs.save(u) },
			load: func(m *Manager, u *Unit, b []byte) {
				var r procRecord
				mustJSON(t, b, &r)
				m.procs.restore(u, r)
			},
			check: func(t *testing.T, m *Manager, was, u *Unit) {
				if !reflect.DeepEqual(u.children, was.children) || u.MainPid != 41 || u.ControlPid != 42 || u.execMain != was.execMain {
					t.Errorf("restored %v %d %d %+v, saved %v %+v", u.children, u.MainPid, u.ControlPid, u.execMain, was.children, was.execMain)
				}
				for pid := range was.children {
					if m.procs.owner[pid] != u {
						t.Errorf("pid %d has no owner", pid)
					}
				}
			},
		},
		{
			name: "timers",
			fill: func(m *Manager, u *Unit) {
				m.armTimerAt(u, "restart", now().mono+time.Hour)
				m.armTimerAt(u, "watchdog", now().mono+2*time.Hour)
				m.armRealtime(u, "calendar", time.Now().Add(3*time.Hour).UnixMicro())
				m.watchTimeChange(u, true)
			},
			save: func(m *Manager, u *Unit) any { r := m.timers.save(u); savedTimers = r; return r },
			load: func(m *Manager, u *Unit, b []byte) {
				var r timerRecord
				mustJSON(t, b, &r)
				m.timers.restore(u, r, timerArming{m.armTimerAt, m.armRealtime, m.watchTimeChange})
			},
			check: func(t *testing.T, m *Manager, was, u *Unit) {
				// The deadlines are absolute (CLOCK_MONOTONIC): the same after the round trip; a realtime timer
				// keeps its CLOCK_REALTIME time, and the watch on time changes is kept.
				got := m.timers.save(u)
				if len(got.Timers) != 3 || got.Timers["restart"] != savedTimers.Timers["restart"] || got.Timers["watchdog"] != savedTimers.Timers["watchdog"] {
					t.Errorf("restored timers %v, saved %v", got.Timers, savedTimers.Timers)
				}
				if !reflect.DeepEqual(got.Realtime, savedTimers.Realtime) || len(got.Realtime) != 1 || !got.WatchTime {
					t.Errorf("restored realtime %v watch %v, saved %v", got.Realtime, got.WatchTime, savedTimers.Realtime)
				}
			},
		},
		{
			name: "descriptors",
			fill: func(m *Manager, u *Unit) {
				r, w, _ := os.Pipe()
				w.Close()
				u.fds = append(u.fds, &heldFd{id: "listen0", store: "fd/u/listen0", name: "web", file: r,
					spec: &pb.OpenSocket{Id: "listen0", Address: "/run/x.sock", Family: "unix", Type: "stream"}})
				u.fds = append(u.fds, &heldFd{id: "conn1", store: "fd/u/conn1", name: "connection", file: r, passed: true})
				u.addLogPipe("log/u/1", logPipe{Source: "stdout", Ident: "x", Priority: 6})
			},
			save: func(m *Manager, u *Unit) any { return saveFds(u) },
			load: func(m *Manager, u *Unit, b []byte) {
				var r fdsRecord
				mustJSON(t, b, &r)
				stored := map[string]*os.File{}
				for _, f := range r.Fds {
					stored[f.Store], _ = os.Open(os.DevNull)
				}
				for s := range r.LogPipes {
					pr, pw, _ := os.Pipe()
					pw.Close() // the drain ends at once
					stored[s] = pr
				}
				m.restoreFds(u, r, stored)
				if len(stored) != 0 {
					t.Errorf("descriptors not claimed: %v", stored)
				}
			},
			check: func(t *testing.T, m *Manager, was, u *Unit) {
				if len(u.fds) != 2 || u.fds[0].spec.GetAddress() != "/run/x.sock" || u.fds[0].name != "web" ||
					!u.fds[1].passed || u.fds[1].spec != nil || u.fds[1].store != "fd/u/conn1" {
					t.Errorf("restored fds %+v %+v", u.fds[0], u.fds[1])
				}
				if !reflect.DeepEqual(u.logPipes, was.logPipes) {
					t.Errorf("restored log pipes %v, saved %v", u.logPipes, was.logPipes)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, fresh := gcManager(t), gcManager(t)
			m.timers, fresh.timers = newTimerTable(m.post), newTimerTable(fresh.post)
			defer m.timers.stop()
			defer fresh.timers.stop()
			was, u := newUnit("u.service", "service"), newUnit("u.service", "service")
			tc.fill(m, was)
			b, err := json.Marshal(tc.save(m, was))
			if err != nil {
				t.Fatal(err)
			}
			tc.load(fresh, u, b)
			tc.check(t, fresh, was, u)
		})
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
