package automount

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func parse(name string, lines ...string) *sdk.ParseResult {
	s := &sdk.Section{Name: section}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		s.Entries = append(s.Entries, &sdk.Entry{Key: k, Value: v, File: "/etc/" + name, Line: int32(i + 2)})
	}
	return automountType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: name, Names: []string{name},
		DefaultDependencies: true, FragmentPath: "/etc/" + name}, Sections: []*sdk.Section{s}})
}

// host plays the core for the automount type without a kernel.
type host struct {
	t             *testing.T
	name          string
	config, state []byte
	sub, result   string
	acts          []sdk.Action
}

func newHost(t *testing.T, name string, lines ...string) *host {
	res := parse(name, lines...)
	if res.Failed() {
		t.Fatalf("parse: %v", res.Problems)
	}
	return &host{t: t, name: name, config: res.Config}
}

func (h *host) send(k sdk.EventKind) {
	h.t.Helper()
	u := &sdk.Unit{Name: h.name, Config: h.config, State: h.state, Runtime: &sdk.Runtime{}}
	if err := (automountType{}).Handle(u, &sdk.Event{Kind: k}); err != nil {
		h.t.Fatal(err)
	}
	h.state, h.acts = u.State, u.Actions()
	for _, a := range h.acts {
		if s, ok := a.(*sdk.SetState); ok {
			h.sub, h.result = s.Sub, s.Result
		}
	}
}

func (h *host) expect(sub, result string) {
	h.t.Helper()
	if h.sub != sub || h.result != result {
		h.t.Fatalf("state %s (%s), want %s (%s); actions %v", h.sub, h.result, sub, result, h.acts)
	}
}

// find returns the first action of the type of want, nil if none.
func find[T sdk.Action](h *host) T {
	var zero T
	for _, a := range h.acts {
		if x, ok := a.(T); ok {
			return x
		}
	}
	return zero
}

func TestAutomountCycle(t *testing.T) {
	h := newHost(t, "mnt-data.automount", "TimeoutIdleSec=6", "DirectoryMode=0700", "ExtraOptions=strictexpire")
	h.send(&sdk.EventStart{})
	h.expect(subWaiting, "success")
	open := find[*sdk.OpenAutofs](h)
	if want := (&sdk.OpenAutofs{ID: pipeID, Where: "/mnt/data", DirectoryMode: 0o700, TimeoutIdleUSec: 6e6,
		ExtraOptions: "strictexpire"}); !reflect.DeepEqual(open, want) {
		t.Fatalf("OpenAutofs %+v, want %+v", open, want)
	}
	// An access: the mount unit is started; a second access waits for the same mount.
	h.send(&sdk.EventAutofsPacket{ID: pipeID, Token: 7, Name: "data"})
	h.expect(subRunning, "success")
	if j := find[*sdk.EnqueueJob](h); j == nil || j.Unit != "mnt-data.mount" || j.Type != "start" {
		t.Fatalf("no start job for the mount: %v", h.acts)
	}
	h.send(&sdk.EventAutofsPacket{ID: pipeID, Token: 8, Name: "data"})
	h.send(&sdk.EventUnitChanged{Unit: "mnt-data.mount", Active: sdk.Activating, Sub: "mounting"})
	if r := find[*sdk.AutofsReply](h); r != nil {
		t.Fatalf("answered before the mount is there: %+v", r)
	}
	h.send(&sdk.EventUnitChanged{Unit: "mnt-data.mount", Active: sdk.Active, Sub: "mounted"})
	if r := find[*sdk.AutofsReply](h); r == nil || !reflect.DeepEqual(r.Tokens, []uint32{7, 8}) || r.Status != 0 {
		t.Fatalf("the accesses are not released: %v", h.acts)
	}
	if a := find[*sdk.ArmTimer](h); a == nil || a.ID != expireTimer || a.USec != 2e6 {
		t.Fatalf("the idle check is not armed every 2 s: %v", h.acts)
	}
	// Idle: the kernel is asked to expire, then asks for the unmount, which stops the mount unit.
	h.send(&sdk.EventTimerFired{ID: expireTimer})
	if find[*sdk.ExpireAutofs](h) == nil {
		t.Fatalf("no expire asked: %v", h.acts)
	}
	h.send(&sdk.EventAutofsPacket{ID: pipeID, Token: 9, Expire: true, Name: "data"})
	if j := find[*sdk.EnqueueJob](h); j == nil || j.Unit != "mnt-data.mount" || j.Type != "stop" {
		t.Fatalf("no stop job for the expired mount: %v", h.acts)
	}
	h.send(&sdk.EventUnitChanged{Unit: "mnt-data.mount", Active: sdk.Inactive, Sub: "dead"})
	h.expect(subWaiting, "success")
	if r := find[*sdk.AutofsReply](h); r == nil || !reflect.DeepEqual(r.Tokens, []uint32{9}) || r.Status != 0 {
		t.Fatalf("the expire is not answered: %v", h.acts)
	}
	// Stop: the trap goes.
	h.send(&sdk.EventStop{})
	h.expect(subDead, "success")
	if c := find[*sdk.CloseFd](h); c == nil || c.ID != pipeID {
		t.Fatalf("the autofs is not closed: %v", h.acts)
	}
}

// TestAutomountMountFails: accesses waiting for a mount that fails get ENODEV; the trap stays.
func TestAutomountMountFails(t *testing.T) {
	h := newHost(t, "auto.automount")
	h.send(&sdk.EventStart{})
	h.send(&sdk.EventAutofsPacket{ID: pipeID, Token: 3})
	h.send(&sdk.EventUnitChanged{Unit: "auto.mount", Active: sdk.Failed, Sub: "failed"})
	if r := find[*sdk.AutofsReply](h); r == nil || r.Status != -int32(unix.ENODEV) {
		t.Fatalf("the access is not failed: %v", h.acts)
	}
	h.expect(subWaiting, "success")
}

// TestAutomountOpenFails: an autofs the host cannot mount fails the unit with result resources.
func TestAutomountOpenFails(t *testing.T) {
	h := newHost(t, "auto.automount")
	h.send(&sdk.EventStart{})
	h.send(&sdk.EventFdOpenFailed{ID: pipeID, Message: "no such device"})
	h.expect(subFailed, "resources")
	h.send(&sdk.EventResetFailed{})
	h.expect(subDead, "success")
}

// TestAutomountStopFailsWaiting: a stop while accesses wait fails them with EHOSTDOWN, as systemd does.
func TestAutomountStopFailsWaiting(t *testing.T) {
	h := newHost(t, "auto.automount")
	h.send(&sdk.EventStart{})
	h.send(&sdk.EventAutofsPacket{ID: pipeID, Token: 4})
	h.send(&sdk.EventStop{})
	if r := find[*sdk.AutofsReply](h); r == nil || r.Status != -int32(unix.EHOSTDOWN) {
		t.Fatalf("the waiting access is not failed: %v", h.acts)
	}
}

func TestAutomountParse(t *testing.T) {
	for _, tc := range []struct {
		unit  string
		lines []string
		key   string
		msg   string
	}{
		{"mnt-a.automount", []string{"Where=/mnt/b"}, "Where", "doesn't match unit name"},
		{"mnt-a.automount", []string{"Where=mnt/a"}, "Where", "not an absolute path"},
		{"mnt-a.automount", []string{"DirectoryMode=999"}, "DirectoryMode", "not an octal file mode"},
		{"mnt-a.automount", []string{"TimeoutIdleSec=soon"}, "TimeoutIdleSec", "not a time span"},
	} {
		res := parse(tc.unit, tc.lines...)
		ok := false
		for _, p := range res.Problems {
			ok = ok || p.Severity == sdk.SeverityError && p.Key == tc.key && p.Line == 2 && strings.Contains(p.Message, tc.msg)
		}
		if !ok {
			t.Errorf("%v: want an error at line 2 %s= saying %q, got %v", tc.lines, tc.key, tc.msg, res.Problems)
		}
	}
	res := parse("mnt-a.automount", "Frobnicate=yes")
	if res.Failed() || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Message, "Unknown key name 'Frobnicate'") {
		t.Errorf("an unknown key is not warned about: %v", res.Problems)
	}
	res = parse("mnt-a.automount")
	var deps []string
	for _, ds := range [][]*sdk.Dependency{res.ImplicitDeps, res.DefaultDeps} {
		for _, d := range ds {
			for _, u := range d.Units {
				deps = append(deps, d.Kind+"="+u)
			}
		}
	}
	sort.Strings(deps)
	want := []string{"After=local-fs-pre.target", "Before=local-fs.target", "Before=mnt-a.mount", "Before=umount.target",
		"Conflicts=umount.target", "Triggers=mnt-a.mount"}
	if !reflect.DeepEqual(deps, want) {
		t.Errorf("dependencies %q, want %q", deps, want)
	}
	if a := res.Annotations[sdk.AnnotationTrigger]; a != "mnt-a.mount" {
		t.Errorf("the host is not asked to refuse a start while mnt-a.mount is not loaded: %q", a)
	}
	if p := res.Properties; p["Where"] != "/mnt/a" || p["TimeoutIdleUSec"] != "0" || p["DirectoryMode"] != "0755" {
		t.Errorf("properties %v", p)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("mnt-a.automount", "Where=/mnt/a\nTimeoutIdleSec=5min\nDirectoryMode=0700\nExtraOptions=x")
	f.Add("-.automount", "Where=/")
	f.Fuzz(func(t *testing.T, name, text string) {
		res := parse(name, strings.Split(text, "\n")...)
		if res.Failed() {
			return
		}
		u := &sdk.Unit{Name: name, Config: res.Config, Runtime: &sdk.Runtime{}}
		for _, ev := range []sdk.EventKind{&sdk.EventStart{}, &sdk.EventAutofsPacket{ID: pipeID, Token: 1}, &sdk.EventStop{}} {
			if err := (automountType{}).Handle(u, &sdk.Event{Kind: ev}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "mnt-sample.automount",
		Sections: []*sdk.Section{{Name: section, Entries: []*sdk.Entry{
			{Key: "Where", Value: "/mnt/sample", File: "mnt-sample.automount", Line: 2},
		}}},
		Bad: []*sdk.Section{{Name: section, Entries: []*sdk.Entry{
			{Key: "DirectoryMode", Value: "perhaps", File: "bad.automount", Line: 2},
		}}},
	})
}
