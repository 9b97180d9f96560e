package target

import (
	"slices"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

func handle(t *testing.T, ev *sdk.Event) *sdk.SetState {
	t.Helper()
	u := &sdk.Unit{Name: "x.target"}
	if err := (targetType{}).Handle(u, ev); err != nil {
		t.Fatalf("handle %T: %v", ev.Kind, err)
	}
	if len(u.Actions()) != 1 {
		t.Fatalf("want one action, got %v", u.Actions())
	}
	s, ok := u.Actions()[0].(*sdk.SetState)
	if !ok {
		t.Fatalf("want a SetState, got %#v", u.Actions()[0])
	}
	return s
}

func TestStartStop(t *testing.T) {
	if s := handle(t, &sdk.Event{Kind: &sdk.EventStart{}}); s.Active != sdk.Active || s.Sub != "active" {
		t.Fatalf("start: %v", s)
	}
	if s := handle(t, &sdk.Event{Kind: &sdk.EventStop{}}); s.Active != sdk.Inactive || s.Sub != "dead" {
		t.Fatalf("stop: %v", s)
	}
}

func TestUnexpectedEventIsAnError(t *testing.T) {
	u := &sdk.Unit{Name: "x.target"}
	ev := &sdk.Event{Kind: &sdk.EventTimerFired{ID: "t"}}
	if err := (targetType{}).Handle(u, ev); err == nil || len(u.Actions()) != 0 {
		t.Fatalf("timer event on a target: err=%v actions=%v", err, u.Actions())
	}
}

func TestDefaultDependencies(t *testing.T) {
	req := &sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "multi-user.target", Dependencies: []*sdk.Dependency{
		{Kind: "Wants", Units: []string{"a.service", "b.target"}},
		{Kind: "Requires", Units: []string{"basic.target"}},
		{Kind: "After", Units: []string{"c.service"}},
	}}}
	res := (targetType{}).Parse(req)
	got := map[string][]string{}
	for _, d := range res.DefaultDeps {
		got[d.Kind] = append(got[d.Kind], d.Units...)
	}
	slices.Sort(got["After"])
	if !slices.Equal(got["After"], []string{"a.service", "b.target", "basic.target"}) {
		t.Errorf("After = %v", got["After"])
	}
	if !slices.Equal(got["Conflicts"], []string{"shutdown.target"}) || !slices.Equal(got["Before"], []string{"shutdown.target"}) {
		t.Errorf("shutdown deps = %v", got)
	}
}
