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
		{"tagged at an earlier event only", changed("change", map[string]string{"TAGS": ":systemd:"}), sdk.Inactive, "dead"},
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

// TestTentative follows systemd's device_update_found_one: a device the mount table or the swaps name before udev
// reported it is tentative (activating); udev's report plugs it; udev's "not ready" leaves it tentative while it
// is still mounted; the last finding gone makes it dead; udev's "remove" ends every finding.
func TestTentative(t *testing.T) {
	tagged := map[string]string{"CURRENT_TAGS": ":systemd:"}
	const u = "dev-loop5.device"
	type want struct {
		active sdk.ActiveState
		sub    string
	}
	var st []byte
	for i, c := range []struct {
		ev   sdk.EventKind
		want want
	}{
		{&sdk.EventDeviceFound{Source: "mount", Found: true}, want{sdk.Activating, "tentative"}},
		{&sdk.EventDeviceFound{Source: "swap", Found: true}, want{sdk.Activating, "tentative"}},
		{&sdk.EventDeviceFound{Source: "mount", Found: false}, want{sdk.Activating, "tentative"}},
		{changed("add", tagged), want{sdk.Active, "plugged"}},
		{&sdk.EventDeviceFound{Source: "swap", Found: false}, want{sdk.Active, "plugged"}},
		{&sdk.EventDeviceFound{Source: "mount", Found: true}, want{sdk.Active, "plugged"}},
		{changed("change", map[string]string{"CURRENT_TAGS": ":systemd:", "SYSTEMD_READY": "0"}), want{sdk.Activating, "tentative"}},
		{changed("change", tagged), want{sdk.Active, "plugged"}},
		{changed("remove", tagged), want{sdk.Inactive, "dead"}},
		{&sdk.EventDeviceFound{Source: "mount", Found: true}, want{sdk.Activating, "tentative"}},
		{&sdk.EventDeviceFound{Source: "mount", Found: false}, want{sdk.Inactive, "dead"}},
	} {
		var s *sdk.SetState
		st, s = step(t, u, st, c.ev)
		if s == nil || s.Active != c.want.active || s.Sub != c.want.sub {
			t.Fatalf("step %d (%T %+v): %+v, want %v %s", i, c.ev, c.ev, s, c.want.active, c.want.sub)
		}
	}
	// A job for a tentative device waits, a start as a stop: it is neither plugged nor gone.
	tentative, _ := step(t, u, nil, &sdk.EventDeviceFound{Source: "mount", Found: true})
	for _, ev := range []sdk.EventKind{&sdk.EventStart{}, &sdk.EventStop{}} {
		if _, s := step(t, u, tentative, ev); s != nil {
			t.Errorf("%T of a tentative device: %+v", ev, s)
		}
	}
}
