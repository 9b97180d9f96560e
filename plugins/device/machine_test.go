package device

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// step hands one event to a unit in state st and returns the new state and the last state report (nil for none).
func step(t *testing.T, name string, st []byte, ev sdk.EventKind) ([]byte, *sdk.SetState) {
	t.Helper()
	u := &sdk.Unit{Name: name, State: st}
	if err := (deviceType{}).Handle(u, &sdk.Event{Kind: ev}); err != nil {
		t.Fatalf("%T: %v", ev, err)
	}
	var last *sdk.SetState
	for _, a := range u.Actions() {
		s, ok := a.(*sdk.SetState)
		if !ok {
			t.Fatalf("unexpected action %#v", a)
		}
		last = s
	}
	return u.State, last
}

func changed(action string, props map[string]string) *sdk.EventDeviceChanged {
	return &sdk.EventDeviceChanged{Syspath: "/sys/devices/virtual/block/loop5", Action: action, Properties: props}
}

func TestStates(t *testing.T) {
	tagged := map[string]string{"CURRENT_TAGS": ":systemd:"}
	for _, c := range []struct {
		name   string
		ev     *sdk.EventDeviceChanged
		active sdk.ActiveState
		sub    string
	}{
		{"add", changed("add", tagged), sdk.Active, "plugged"},
		{"change", changed("change", tagged), sdk.Active, "plugged"},
		{"not ready", changed("change", map[string]string{"CURRENT_TAGS": ":systemd:", "SYSTEMD_READY": "0"}), sdk.Inactive, "dead"},
		{"ready", changed("change", map[string]string{"CURRENT_TAGS": ":systemd:", "SYSTEMD_READY": "yes"}), sdk.Active, "plugged"},
		{"tag dropped", changed("change", map[string]string{"CURRENT_TAGS": ":other:", "TAGS": ":systemd:"}), sdk.Inactive, "dead"},
		{"old sender", changed("change", map[string]string{"TAGS": ":systemd:"}), sdk.Active, "plugged"},
		{"remove", changed("remove", tagged), sdk.Inactive, "dead"},
	} {
		_, s := step(t, "dev-loop5.device", nil, c.ev)
		if s == nil || s.Active != c.active || s.Sub != c.sub {
			t.Errorf("%s: %+v, want %v %s", c.name, s, c.active, c.sub)
		}
	}
}

// TestJobsWait: a start of a dead device and a stop of a plugged one change nothing (the job waits for the
// device, as systemd's); the other way round they finish at once.
func TestJobsWait(t *testing.T) {
	dead, _ := step(t, "dev-loop5.device", nil, changed("remove", nil))
	if _, s := step(t, "dev-loop5.device", dead, &sdk.EventStart{}); s != nil {
		t.Errorf("start of a dead device: %+v", s)
	}
	if _, s := step(t, "dev-loop5.device", dead, &sdk.EventStop{}); s == nil || s.Active != sdk.Inactive {
		t.Errorf("stop of a dead device: %+v", s)
	}
	plugged, _ := step(t, "dev-loop5.device", nil, changed("add", map[string]string{"CURRENT_TAGS": ":systemd:"}))
	if _, s := step(t, "dev-loop5.device", plugged, &sdk.EventStop{}); s != nil {
		t.Errorf("stop of a plugged device: %+v", s)
	}
	if _, s := step(t, "dev-loop5.device", plugged, &sdk.EventStart{}); s == nil || s.Active != sdk.Active {
		t.Errorf("start of a plugged device: %+v", s)
	}
}

// TestProperties: SysFSPath, and Following for a unit that is not its device's sysfs unit.
func TestProperties(t *testing.T) {
	ev := changed("add", map[string]string{"CURRENT_TAGS": ":systemd:"})
	_, s := step(t, "dev-loop5.device", nil, ev)
	if s.Properties["SysFSPath"] != "/sys/devices/virtual/block/loop5" || s.Properties["Following"] != "sys-devices-virtual-block-loop5.device" {
		t.Errorf("node unit: %v", s.Properties)
	}
	_, s = step(t, "sys-devices-virtual-block-loop5.device", nil, ev)
	if s.Properties["Following"] != "" {
		t.Errorf("sysfs unit follows %q", s.Properties["Following"])
	}
}

func TestUnexpectedEventIsAnError(t *testing.T) {
	u := &sdk.Unit{Name: "dev-x.device"}
	if err := (deviceType{}).Handle(u, &sdk.Event{Kind: &sdk.EventTimerFired{ID: "t"}}); err == nil || len(u.Actions()) != 0 {
		t.Fatalf("timer event: err=%v actions=%v", err, u.Actions())
	}
}
