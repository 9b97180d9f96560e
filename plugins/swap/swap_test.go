package swap

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func parse(name string, lines ...string) *sdk.ParseResult {
	s := &sdk.Section{Name: section}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		s.Entries = append(s.Entries, &sdk.Entry{Key: k, Value: v, File: "/etc/" + name, Line: int32(i + 2)})
	}
	return swapType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: name, Names: []string{name},
		DefaultDependencies: true, FragmentPath: "/etc/" + name}, Sections: []*sdk.Section{s}})
}

// host plays the core for the swap type without processes.
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
	if err := (swapType{}).Handle(u, &sdk.Event{Kind: k}); err != nil {
		h.t.Fatal(err)
	}
	h.state, h.acts = u.State, u.Actions()
	for _, a := range h.acts {
		if s, ok := a.(*sdk.SetState); ok {
			h.sub, h.result = s.Sub, s.Result
		}
	}
}

func (h *host) spawned() (string, []string) {
	h.t.Helper()
	for _, a := range h.acts {
		if s, ok := a.(*sdk.Spawn); ok {
			return s.ID, s.Argv
		}
	}
	h.t.Fatalf("nothing spawned: %v", h.acts)
	return "", nil
}

func (h *host) expect(sub, result string) {
	h.t.Helper()
	if h.sub != sub || h.result != result {
		h.t.Fatalf("state %s (%s), want %s (%s); actions %v", h.sub, h.result, sub, result, h.acts)
	}
}

func exited(id string, status int32) *sdk.EventChildExited {
	return &sdk.EventChildExited{ID: id, Role: sdk.RoleControl, Code: sdk.Exited, Status: status}
}

func TestSwapOnAndOff(t *testing.T) {
	h := newHost(t, "swapfile.swap", "What=/swapfile", "Priority=5", "Options=discard")
	h.send(&sdk.EventStart{})
	h.expect(subActivating, "success")
	id, argv := h.spawned()
	if want := []string{"swapon", "--fixpgsz", "-o", "discard,pri=5", "/swapfile"}; !reflect.DeepEqual(argv, want) {
		t.Fatalf("swapon %q, want %q", argv, want)
	}
	h.send(exited(id, 0))
	h.expect(subActive, "success")
	h.send(&sdk.EventStop{})
	h.expect(subDeactivating, "success")
	id, argv = h.spawned()
	if !reflect.DeepEqual(argv, []string{"swapoff", "/swapfile"}) {
		t.Fatalf("swapoff %q", argv)
	}
	h.send(exited(id, 0))
	h.expect(subDead, "success")
}

func TestSwapFails(t *testing.T) {
	h := newHost(t, "dev-sdz.swap", "What=/dev/sdz", "Options=pri=3")
	h.send(&sdk.EventStart{})
	id, argv := h.spawned()
	if want := []string{"swapon", "--fixpgsz", "-o", "pri=3", "/dev/sdz"}; !reflect.DeepEqual(argv, want) {
		t.Fatalf("swapon %q, want %q", argv, want)
	}
	h.send(exited(id, 255))
	h.expect(subFailed, "exit-code")
}

func TestSwapTimesOut(t *testing.T) {
	h := newHost(t, "swapfile.swap", "What=/swapfile", "TimeoutSec=1")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(&sdk.EventTimerFired{ID: control.DefaultTimer})
	h.expect(subDeactivatingSigterm, "timeout")
	h.send(&sdk.EventTimerFired{ID: control.DefaultTimer})
	h.expect(subDeactivatingSigkill, "timeout")
	armed := false
	for _, a := range h.acts {
		if at, ok := a.(*sdk.ArmTimer); ok && at.USec == 1e6 {
			armed = true
		}
	}
	if !armed {
		t.Fatalf("the SIGKILL state is not bounded: %v", h.acts)
	}
	h.send(&sdk.EventChildExited{ID: id, Role: sdk.RoleControl, Code: sdk.Killed, Status: 9})
	h.expect(subFailed, "timeout")
}

func TestSwapParse(t *testing.T) {
	for _, tc := range []struct {
		unit  string
		lines []string
		key   string
		msg   string
	}{
		{"swapfile.swap", []string{"What=/other"}, "What", "do not match"},
		{"swapfile.swap", []string{"What=relative"}, "What", "not an absolute path"},
		{"swapfile.swap", []string{"Priority=40000"}, "Priority", "not a priority"},
		{"swapfile.swap", []string{"TimeoutSec=x"}, "TimeoutSec", "time span"},
	} {
		res := parse(tc.unit, tc.lines...)
		ok := false
		for _, p := range res.Problems {
			// What= refuses the swap; a bad value elsewhere is a warning, the line ignored, as in systemd.
			ok = ok || (p.Severity == sdk.SeverityError) == (tc.key == "What") && p.Key == tc.key && p.Line == 2 && strings.Contains(p.Message, tc.msg)
		}
		if !ok {
			t.Errorf("%v: want a problem at line 2 %s= saying %q, got %v", tc.lines, tc.key, tc.msg, res.Problems)
		}
	}
}

// TestSwapDependencies: a device swap is bound to its device; outside a container it goes before swap.target
// and is stopped at shutdown; in a container it gets no default dependencies, as in systemd.
func TestSwapDependencies(t *testing.T) {
	defer func(f func() bool) { inContainer = f }(inContainer)
	for _, tc := range []struct {
		container bool
		want      []string
	}{
		{false, []string{"After=dev-sdb2.device", "Before=swap.target", "Before=umount.target", "BindsTo=dev-sdb2.device", "Conflicts=umount.target"}},
		{true, []string{"After=dev-sdb2.device", "BindsTo=dev-sdb2.device"}},
	} {
		inContainer = func() bool { return tc.container }
		res := parse("dev-sdb2.swap")
		if res.Failed() || res.Properties["What"] != "/dev/sdb2" {
			t.Fatalf("What= from the name: %v %v", res.Problems, res.Properties["What"])
		}
		var deps []string
		for _, ds := range [][]*sdk.Dependency{res.ImplicitDeps, res.DefaultDeps} {
			for _, d := range ds {
				for _, u := range d.Units {
					deps = append(deps, d.Kind+"="+u)
				}
			}
		}
		sort.Strings(deps)
		if !reflect.DeepEqual(deps, tc.want) {
			t.Errorf("container %v: dependencies %q, want %q", tc.container, deps, tc.want)
		}
	}
}

// TestSwapTracked: /proc/swaps drives the unit: a swapon by hand makes it active, a swapoff by hand dead; the
// unit's own swapon seen in /proc/swaps before it exits passes through activating-done.
func TestSwapTracked(t *testing.T) {
	h := newHost(t, "swapfile.swap", "What=/swapfile")
	h.send(&sdk.EventSwapChanged{What: "/swapfile", Type: "file", Priority: -2, Active: true})
	h.expect(subActive, "success")
	h.send(&sdk.EventSwapChanged{What: "/swapfile", Type: "file", Priority: -2, Active: false})
	h.expect(subDead, "success")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(&sdk.EventSwapChanged{What: "/swapfile", Type: "file", Priority: -2, Active: true})
	h.expect(subActivatingDone, "success")
	h.send(exited(id, 0))
	h.expect(subActive, "success")
	// A swapoff that failed while the swap is gone all the same: the unit follows /proc/swaps.
	h.send(&sdk.EventStop{})
	id, _ = h.spawned()
	h.send(&sdk.EventSwapChanged{What: "/swapfile", Active: false})
	h.expect(subDeactivating, "success")
	h.send(exited(id, 0))
	h.expect(subDead, "success")
}

func FuzzParse(f *testing.F) {
	f.Add("swapfile.swap", "What=/swapfile\nPriority=3\nOptions=discard\nTimeoutSec=5")
	f.Add("dev-sda.swap", "Priority=-1\nKillMode=none")
	f.Fuzz(func(t *testing.T, name, text string) {
		res := parse(name, strings.Split(text, "\n")...)
		if res.Failed() {
			return
		}
		u := &sdk.Unit{Name: name, Config: res.Config, Runtime: &sdk.Runtime{}}
		for _, ev := range []sdk.EventKind{&sdk.EventStart{}, &sdk.EventStop{}, &sdk.EventTimerFired{ID: "timeout"}} {
			if err := (swapType{}).Handle(u, &sdk.Event{Kind: ev}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "swapfile.swap",
		Sections: []*sdk.Section{{Name: "Swap", Entries: []*sdk.Entry{
			{Key: "What", Value: "/swapfile", File: "swapfile.swap", Line: 2},
		}}},
		Bad: []*sdk.Section{{Name: "Swap", Entries: []*sdk.Entry{
			{Key: "What", Value: "/swapfile", File: "bad.swap", Line: 2},
			{Key: "Priority", Value: "high", File: "bad.swap", Line: 3},
		}}},
	})
}

func TestSwapStartWhileDeactivating(t *testing.T) {
	h := newHost(t, "swapfile.swap", "What=/swapfile")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(exited(id, 0))
	h.send(&sdk.EventStop{})
	id, _ = h.spawned()
	h.send(&sdk.EventStart{})
	h.expect(subDeactivating, "success")
	h.send(exited(id, 0))
	h.expect(subActivating, "success")
	if id, _ := h.spawned(); id != "swapon/0" {
		t.Fatalf("spawned %s", id)
	}
}
