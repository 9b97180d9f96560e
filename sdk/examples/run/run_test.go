package main

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// host plays the core for the run type without processes: it keeps the state bytes and the main pid.
type host struct {
	t      *testing.T
	config []byte
	state  []byte
	rt     sdk.Runtime
	sub    string
	acts   []sdk.Action
}

func newHost(t *testing.T, lines ...*sdk.Entry) *host {
	res := (runType{}).Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "x.run"},
		Sections: []*sdk.Section{{Name: "Run", Entries: lines}}})
	if res.Failed() {
		t.Fatalf("parse: %v", res.Problems)
	}
	return &host{t: t, config: res.Config}
}

func (h *host) send(k sdk.EventKind) {
	h.t.Helper()
	u := &sdk.Unit{Name: "x.run", Config: h.config, State: h.state, Runtime: &h.rt}
	if err := (runType{}).Handle(u, &sdk.Event{Kind: k}); err != nil {
		h.t.Fatal(err)
	}
	h.state, h.acts = u.State, u.Actions()
	for _, a := range h.acts {
		if s, ok := a.(*sdk.SetState); ok {
			h.sub = s.Sub
		}
	}
}

func (h *host) kills() []sdk.KillAction {
	var out []sdk.KillAction
	for _, a := range h.acts {
		if k, ok := a.(*sdk.KillAction); ok {
			out = append(out, *k)
		}
	}
	return out
}

func TestStopEscalates(t *testing.T) {
	h := newHost(t, &sdk.Entry{Key: "Command", Value: "/bin/sleep 60"}, &sdk.Entry{Key: "TimeoutStopSec", Value: "2s"})
	h.send(&sdk.EventStart{})
	h.send(&sdk.EventSpawned{ID: control.ID("start", 0), Pid: 42, Role: sdk.RoleMain})
	h.rt.MainPid = 42
	if h.sub != "running" {
		t.Fatalf("after the spawn: %s", h.sub)
	}
	h.send(&sdk.EventStop{})
	if k := h.kills(); h.sub != "stop-sigterm" || len(k) != 1 || k[0].Signal != 15 || k[0].Whom != sdk.WhomAll {
		t.Fatalf("stop: %s %v", h.sub, k)
	}
	h.send(&sdk.EventTimerFired{ID: control.DefaultTimer})
	if k := h.kills(); h.sub != "stop-sigkill" || len(k) != 1 || k[0].Signal != 9 {
		t.Fatalf("first timeout: %s %v", h.sub, k)
	}
	h.send(&sdk.EventTimerFired{ID: control.DefaultTimer})
	if h.sub != "failed" {
		t.Fatalf("second timeout: %s", h.sub)
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		remain      bool
		code        sdk.ExitCode
		status      int32
		sub, result string
	}{
		{false, sdk.Exited, 0, "dead", "success"},
		{true, sdk.Exited, 0, "exited", "success"},
		{false, sdk.Exited, 3, "failed", "exit-code"},
		{true, sdk.Killed, 9, "failed", "signal"},
	} {
		lines := []*sdk.Entry{{Key: "Command", Value: "/bin/true"}}
		if tc.remain {
			lines = append(lines, &sdk.Entry{Key: "RemainAfterExit", Value: "yes"})
		}
		h := newHost(t, lines...)
		h.send(&sdk.EventStart{})
		h.send(&sdk.EventSpawned{ID: "start/0", Pid: 42, Role: sdk.RoleMain})
		h.send(&sdk.EventChildExited{ID: "start/0", Pid: 42, Role: sdk.RoleMain, Code: tc.code, Status: tc.status})
		last := h.acts[len(h.acts)-1].(*sdk.SetState)
		if last.Sub != tc.sub || last.Result != tc.result {
			t.Errorf("%+v: ended %s/%s", tc, last.Sub, last.Result)
		}
	}
}
