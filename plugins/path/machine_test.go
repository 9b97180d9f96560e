package path

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/sdk"
)

// sim drives one path unit through the plugin as the host would, keeping its state between events.
type sim struct {
	t     *testing.T
	name  string
	cfg   []byte
	state []byte
	now   time.Time
	last  []sdk.Action
}

func newSim(t *testing.T, lines ...string) *sim {
	t.Helper()
	sec := &sdk.Section{Name: "Path"}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		sec.Entries = append(sec.Entries, &sdk.Entry{Key: k, Value: v, File: "x.path", Line: int32(i + 2)})
	}
	res := pathType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "x.path"}, Sections: []*sdk.Section{sec}})
	if res.Failed() {
		t.Fatalf("parse: %+v", res.Problems)
	}
	return &sim{t: t, name: "x.path", cfg: res.Config, now: time.Unix(1000, 0)}
}

func (s *sim) send(k sdk.EventKind) []sdk.Action {
	s.t.Helper()
	u := &sdk.Unit{Name: s.name, Config: s.cfg, State: s.state, Runtime: &sdk.Runtime{}}
	if err := (pathType{clock: func() time.Time { return s.now }}).Handle(u, &sdk.Event{Kind: k}); err != nil {
		s.t.Fatal(err)
	}
	s.state, s.last = u.State, u.Actions()
	return s.last
}

func (s *sim) st() State {
	var st State
	if err := sdk.DecodeJSON(s.state, &st); err != nil {
		s.t.Fatal(err)
	}
	return st
}

func (s *sim) want(sub, result string) {
	s.t.Helper()
	if st := s.st(); st.Sub != sub || st.Result != result {
		s.t.Fatalf("state %s/%s, want %s/%s (last actions %s)", st.Sub, st.Result, sub, result, describe(s.last))
	}
}

// armed answers the WatchPaths of the last actions as the host does.
func (s *sim) armed() {
	s.t.Helper()
	for _, a := range s.last {
		if w, ok := a.(*sdk.WatchPaths); ok {
			s.send(&sdk.EventPathChanged{ID: w.ID, Armed: true, Watched: []string{"/"}})
			return
		}
	}
	s.t.Fatalf("no WatchPaths in %s", describe(s.last))
}

func describe(acts []sdk.Action) string {
	var b strings.Builder
	for _, a := range acts {
		switch a := a.(type) {
		case *sdk.SetState:
			b.WriteString(" state:" + a.Sub)
		case *sdk.WatchPaths:
			b.WriteString(" watch:" + a.ID)
		case *sdk.CloseFd:
			b.WriteString(" close:" + a.ID)
		case *sdk.EnqueueJob:
			b.WriteString(" start:" + a.Unit + "[" + strings.Join(a.Env, ",") + "]")
		case *sdk.Log:
			b.WriteString(" log:" + a.Text)
		}
	}
	return b.String()
}

func started(acts []sdk.Action) *sdk.EnqueueJob {
	for _, a := range acts {
		if j, ok := a.(*sdk.EnqueueJob); ok {
			return j
		}
	}
	return nil
}

func TestPathExistsTriggersWithDetails(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "sub", "flag")
	s := newSim(t, "PathExists="+flag)
	acts := s.send(&sdk.EventStart{})
	s.want(subWaiting, resSuccess)
	var w *sdk.WatchPaths
	for _, a := range acts {
		if x, ok := a.(*sdk.WatchPaths); ok {
			w = x
		}
	}
	if w == nil || w.ID != "path0" {
		t.Fatalf("no watch: %s", describe(acts))
	}
	var paths []string
	for _, x := range w.Watches {
		paths = append(paths, x.Path)
	}
	for _, p := range []string{"/", dir, filepath.Join(dir, "sub"), flag} {
		if !slices.Contains(paths, p) {
			t.Errorf("%s is not watched: %v", p, paths)
		}
	}
	// The file appears between the first check and the watch: the check after the watch sees it.
	if err := os.MkdirAll(filepath.Dir(flag), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.armed()
	s.want(subRunning, resSuccess)
	j := started(s.last)
	if j == nil || j.Unit != "x.service" || j.Type != "start" ||
		!slices.Equal(j.Env, []string{"TRIGGER_UNIT=x.path", "TRIGGER_PATH=" + flag}) {
		t.Fatalf("start job: %+v", j)
	}
	if !strings.Contains(describe(s.last), "close:path0") {
		t.Errorf("the watch stays while running: %s", describe(s.last))
	}
	// The service stops while the file is still there: it is started again.
	s.send(&sdk.EventUnitChanged{Unit: "x.service", Active: sdk.Active, Sub: "running"})
	s.send(&sdk.EventUnitChanged{Unit: "x.service", Active: sdk.Inactive, Sub: "dead", Result: "success"})
	if started(s.last) == nil {
		t.Fatalf("not started again: %s", describe(s.last))
	}
	// Once the file is gone, the path unit waits when the service stops.
	os.Remove(flag)
	s.send(&sdk.EventUnitChanged{Unit: "x.service", Active: sdk.Inactive, Sub: "dead", Result: "success"})
	s.want(subWaiting, resSuccess)
	s.send(&sdk.EventStop{})
	s.want(subDead, resSuccess)
	if !strings.Contains(describe(s.last), "close:path0") {
		t.Errorf("stop keeps the watch: %s", describe(s.last))
	}
}

func TestPathChangedOnlyOnTheWatchedPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSim(t, "PathChanged="+file, "Unit=other.service")
	s.send(&sdk.EventStart{})
	s.armed()
	s.want(subWaiting, resSuccess) // it existed at start: no change
	// Something else in the directory: look again, watch anew, no trigger.
	s.send(&sdk.EventPathChanged{ID: "path0", Records: []sdk.InotifyRecord{{Path: dir, Name: "other", Mask: 0x100}}})
	if started(s.last) != nil {
		t.Fatalf("triggered by another file: %s", describe(s.last))
	}
	s.want(subWaiting, resSuccess)
	s.send(&sdk.EventPathChanged{ID: "path0", Records: []sdk.InotifyRecord{{Path: file, Mask: 0x8}}})
	if j := started(s.last); j == nil || j.Unit != "other.service" {
		t.Fatalf("close-after-write did not trigger: %s", describe(s.last))
	}
	s.want(subRunning, resSuccess)
	// The service stops: PathChanged= does not trigger again, it waits for the next change.
	s.send(&sdk.EventUnitChanged{Unit: "other.service", Active: sdk.Inactive, Sub: "dead"})
	if started(s.last) != nil {
		t.Fatalf("PathChanged= re-triggered on stop: %s", describe(s.last))
	}
	s.want(subWaiting, resSuccess)
	// A stale report of a descriptor closed meanwhile changes nothing.
	s.send(&sdk.EventPathChanged{ID: "path9", Records: []sdk.InotifyRecord{{Path: file, Mask: 0x8}}})
	if started(s.last) != nil {
		t.Fatal("a report of an unknown descriptor triggered")
	}
}

func TestTriggerLimitFails(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "flag")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSim(t, "PathExists="+flag, "TriggerLimitBurst=3", "TriggerLimitIntervalSec=10s")
	s.send(&sdk.EventStart{})
	n := 1
	for range 5 {
		// The service's condition fails: its job ends with it inactive, and the path looks again.
		s.send(&sdk.EventUnitChanged{Unit: "x.service", Active: sdk.Inactive, Sub: "dead"})
		if started(s.last) != nil {
			n++
		}
		s.now = s.now.Add(time.Second)
	}
	if n != 3 {
		t.Errorf("%d starts within the limit, want 3", n)
	}
	s.want(subFailed, resTriggerLimitHit)
	s.send(&sdk.EventResetFailed{})
	s.want(subDead, resSuccess)
	// After the interval, a fresh start triggers again.
	s.now = s.now.Add(time.Minute)
	s.send(&sdk.EventStart{})
	if started(s.last) == nil {
		t.Fatalf("no trigger after reset-failed: %s", describe(s.last))
	}
}

func TestNoWatchPossibleFails(t *testing.T) {
	s := newSim(t, "PathExists=/nonexistent-dir/flag")
	s.send(&sdk.EventStart{})
	s.send(&sdk.EventPathChanged{ID: "path0", Armed: true})
	s.want(subFailed, resResources)
}

func TestDirectoryNotEmptyAndMakeDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	s := newSim(t, "DirectoryNotEmpty="+dir, "MakeDirectory=yes", "DirectoryMode=0744")
	s.send(&sdk.EventStart{})
	s.armed()
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o744 {
		t.Fatalf("MakeDirectory: %v %v", fi, err)
	}
	s.want(subWaiting, resSuccess)
	// Hidden and backup files do not count.
	for _, n := range []string{".hidden", "x~", "y.dpkg-new"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	s.send(&sdk.EventPathChanged{ID: "path0", Records: []sdk.InotifyRecord{{Path: dir, Name: "x~", Mask: 0x100}}})
	s.want(subWaiting, resSuccess)
	os.WriteFile(filepath.Join(dir, "job"), nil, 0o644)
	s.send(&sdk.EventPathChanged{ID: "path0", Records: []sdk.InotifyRecord{{Path: dir, Name: "job", Mask: 0x100}}})
	s.want(subRunning, resSuccess)
}

func TestParseProblems(t *testing.T) {
	parse := func(lines ...string) *sdk.ParseResult {
		sec := &sdk.Section{Name: "Path"}
		for i, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			sec.Entries = append(sec.Entries, &sdk.Entry{Key: k, Value: v, File: "x.path", Line: int32(i + 2)})
		}
		return pathType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "x.path"}, Sections: []*sdk.Section{sec}})
	}
	for _, c := range []struct {
		lines            []string
		failed, warnings bool
	}{
		{[]string{"PathExists=/a"}, false, false},
		{[]string{"PathExists=relative"}, true, true}, // ignored, then no path at all
		{[]string{"PathExists=relative", "PathExists=/a"}, false, true},
		{[]string{"PathExists=/a", "PathExists="}, true, false}, // the reset leaves none
		{[]string{"PathExists=/a", "Unit=x.path"}, false, true},
		{[]string{"PathExists=/a", "DirectoryMode=999"}, false, true}, // a bad value is ignored, as in systemd
		{[]string{"PathExists=/a", "TriggerLimitIntervalSec=soon"}, false, true},
		{[]string{"PathExists=/a", "Bogus=1"}, false, true},
	} {
		res := parse(c.lines...)
		warned := slices.ContainsFunc(res.Problems, func(p *sdk.Problem) bool { return p.Severity == sdk.SeverityWarning })
		if res.Failed() != c.failed || warned != c.warnings {
			t.Errorf("%v: failed %v, warnings %v: %+v", c.lines, res.Failed(), warned, res.Problems)
		}
		for _, p := range res.Problems {
			if p.Line == 0 && !strings.Contains(p.Message, "lacks path") {
				t.Errorf("%v: a problem without its line: %+v", c.lines, p)
			}
		}
	}
	res := parse("PathExists=/a//b/", "PathModified=/c")
	if p := res.Properties; p["Unit"] != "x.service" || p["Paths"] != "/c (PathModified)\n/a/b (PathExists)" ||
		p["TriggerLimitBurst"] != "200" || p["TriggerLimitIntervalUSec"] != "2s" || p["DirectoryMode"] != "0755" {
		t.Errorf("properties %v", p)
	}
}

// FuzzParse: any [Path] value parses without a panic, and a unit that loads names a unit to trigger.
func FuzzParse(f *testing.F) {
	for _, k := range append(slices.Clone(specTypes), "Unit", "MakeDirectory", "DirectoryMode", "TriggerLimitBurst", "TriggerLimitIntervalSec") {
		f.Add(k, "/tmp/x")
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		sec := &sdk.Section{Name: "Path", Entries: []*sdk.Entry{{Key: "PathExists", Value: "/a"}, {Key: key, Value: value}}}
		res := pathType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "f.path"}, Sections: []*sdk.Section{sec}})
		if !res.Failed() && res.Properties["Unit"] == "" {
			t.Fatalf("%s=%q: loaded without a unit to trigger", key, value)
		}
	})
}
