package timer

import (
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

func parse(name string, lines ...string) *sdk.ParseResult {
	s := &sdk.Section{Name: section}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		s.Entries = append(s.Entries, &sdk.Entry{Key: k, Value: v, File: "/etc/" + name, Line: int32(i + 2)})
	}
	return timerType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: name, Names: []string{name},
		DefaultDependencies: true, FragmentPath: "/etc/" + name}, Sections: []*sdk.Section{s}})
}

func config(t *testing.T, res *sdk.ParseResult) *Config {
	t.Helper()
	if res.Failed() {
		t.Fatalf("parse: %v", res.Problems)
	}
	var c Config
	if err := sdk.DecodeJSON(res.Config, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func deps(list []*sdk.Dependency) map[string]string {
	out := map[string]string{}
	for _, d := range list {
		out[d.Kind] = strings.TrimSpace(out[d.Kind] + " " + strings.Join(d.Units, " "))
	}
	return out
}

func TestParse(t *testing.T) {
	c := config(t, parse("apt-daily.timer", "OnCalendar=*-*-* 6,18:00", "RandomizedDelaySec=12h", "Persistent=true",
		"OnBootSec=15min", "AccuracySec=1us", "RemainAfterElapse=no"))
	want := []Value{{Base: onCalendar, Calendar: "*-*-* 06,18:00:00"}, {Base: onBoot, USec: 15 * 60e6}}
	if len(c.Values) != 2 || c.Values[0] != want[0] || c.Values[1] != want[1] {
		t.Errorf("values %+v, want %+v", c.Values, want)
	}
	if c.RandomizedDelayUSec != 12*3600e6 || !c.Persistent || c.AccuracyUSec != 1 || c.RemainAfterElapse ||
		c.Unit != "apt-daily.service" || c.Name != "apt-daily.timer" {
		t.Errorf("config %+v", c)
	}
	// An empty assignment resets every kind of value.
	c = config(t, parse("a.timer", "OnCalendar=daily", "OnBootSec=1", "OnCalendar=", "OnActiveSec=5"))
	if len(c.Values) != 1 || c.Values[0].Base != onActive {
		t.Errorf("after reset: %+v", c.Values)
	}
	c = config(t, parse("a@x.timer", "OnClockChange=yes"))
	if c.Unit != "a@x.service" || !c.OnClockChange || c.AccuracyUSec != defaultAccuracyUSec || !c.RemainAfterElapse {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseDependencies(t *testing.T) {
	res := parse("a.timer", "OnCalendar=daily", "Unit=b.service")
	if got := deps(res.ImplicitDeps); got["Before"] != "b.service" || got["Triggers"] != "b.service" {
		t.Errorf("implicit %v", got)
	}
	got := deps(res.DefaultDeps)
	want := map[string]string{"Before": "timers.target shutdown.target", "Requires": "sysinit.target",
		"After": "sysinit.target time-set.target time-sync.target", "Conflicts": "shutdown.target"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("default %s=%q, want %q", k, got[k], v)
		}
	}
	if got := deps(parse("a.timer", "OnBootSec=1").DefaultDeps); got["After"] != "sysinit.target" {
		t.Errorf("a monotonic timer is ordered after %q", got["After"])
	}
}

// TestParseBad: as systemd, a value that does not parse is a warning naming file, line and expression, and the
// unit loads with the rest; a timer left with no elapse at all is refused.
func TestParseBad(t *testing.T) {
	res := parse("a.timer", "OnCalendar=Mon..Fri 25:00", "OnBootSec=1")
	c := config(t, res)
	if len(c.Values) != 1 || len(res.Problems) != 1 {
		t.Fatalf("values %+v problems %v", c.Values, res.Problems)
	}
	p := res.Problems[0]
	if p.Severity != sdk.SeverityWarning || p.File != "/etc/a.timer" || p.Line != 2 || p.Key != "OnCalendar" ||
		!strings.Contains(p.Message, "Mon..Fri 25:00") {
		t.Errorf("problem %v", p)
	}
	res = parse("a.timer", "OnCalendar=Mon..Fri 25:00")
	if !res.Failed() || !strings.Contains(res.Problems[len(res.Problems)-1].String(), "/etc/a.timer:2: [Timer] OnCalendar=: Timer unit lacks value setting") {
		t.Errorf("problems %v", res.Problems)
	}
	res = parse("a.timer", "Persistent=maybe")
	if !res.Failed() {
		t.Errorf("a timer without values loaded: %v", res.Problems)
	}
	if res := parse("a.timer", "OnActiveSec=1", "X-Mine=1"); len(res.Problems) != 0 {
		t.Errorf("an extension key warned: %v", res.Problems)
	}
	for _, bad := range []string{"OnActiveSec=soon", "AccuracySec=x", "Unit=b.timer", "Unit=no", "Bogus=1"} {
		res := parse("a.timer", "OnActiveSec=1", bad)
		if res.Failed() || len(res.Problems) != 1 || res.Problems[0].Line != 3 {
			t.Errorf("%s: %v", bad, res.Problems)
		}
	}
}

// TestWakeSystemReported: WakeSystem= cannot be honoured; it is said at load and in sctl status, never ignored
// silently.
func TestWakeSystemReported(t *testing.T) {
	res := parse("a.timer", "OnActiveSec=1", "WakeSystem=yes")
	if res.Failed() || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Message, "not supported") {
		t.Fatalf("problems %v", res.Problems)
	}
	if res.Properties["UnenforcedDirectives"] != "WakeSystem=" || res.Properties["WakeSystem"] != "yes" {
		t.Errorf("properties %v", res.Properties)
	}
}
