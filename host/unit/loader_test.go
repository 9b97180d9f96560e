package unit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// tree builds a search path of three directories (etc, run, lib) from "dir/rel" → content; content "->X" makes
// a symlink to X, "<dir>" a directory.
func tree(t testing.TB, files map[string]string) *Loader {
	root := t.TempDir()
	l := &Loader{Hostname: "host", MachineID: "mid", BootID: "bid"}
	for _, d := range []string{"etc", "run", "lib"} {
		l.Paths = append(l.Paths, filepath.Join(root, d))
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	for rel, content := range files {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		switch {
		case strings.HasPrefix(content, "->"):
			if err := os.Symlink(content[2:], p); err != nil {
				t.Fatal(err)
			}
		case content == "<dir>":
			os.MkdirAll(p, 0o755)
		default:
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.TypeSections = func(typ string) ([]string, error) {
		switch typ {
		case "service":
			return []string{"Service"}, nil
		case "target":
			return nil, nil
		}
		return nil, fmt.Errorf("no plugin for %s", typ)
	}
	return l
}

func TestLookup(t *testing.T) {
	l := tree(t, map[string]string{
		"lib/a.service":          "[Unit]\nDescription=lib\n",
		"etc/a.service":          "[Unit]\nDescription=etc\n",
		"lib/real.service":       "[Unit]\nDescription=Real\n",
		"etc/alias.service":      "->../lib/real.service",
		"etc/masked.service":     "->/dev/null",
		"lib/empty.service":      "",
		"etc/dir.service":        "<dir>",
		"lib/getty@.service":     "[Unit]\nDescription=Getty on %I (%i, %n, %p)\n",
		"lib/getty@tty9.service": "[Unit]\nDescription=own file\n",
		"etc/bad-alias.service":  "->../lib/real.target",
		"lib/real.target":        "[Unit]\n",
		"etc/dangling.service":   "->../lib/nowhere.service",
	})
	cases := []struct {
		name, id, state, desc string
		names                 []string
	}{
		{"a.service", "a.service", "loaded", "etc", nil},
		{"alias.service", "real.service", "loaded", "Real", []string{"real.service", "alias.service"}},
		{"masked.service", "masked.service", "masked", "", nil},
		{"empty.service", "empty.service", "masked", "", nil},
		{"dir.service", "dir.service", "error", "", nil},
		{"getty@tty1.service", "getty@tty1.service", "loaded", "Getty on tty1 (tty1, getty@tty1.service, getty)", nil},
		{"getty@tty9.service", "getty@tty9.service", "loaded", "own file", nil},
		{"nope.service", "nope.service", "not-found", "", nil},
		{"bad-alias.service", "bad-alias.service", "error", "", nil},
		{"dangling.service", "dangling.service", "not-found", "", nil},
		// A template loads as a unit, as in systemd: its specifiers have an empty instance.
		{"getty@.service", "getty@.service", "loaded", "Getty on  (, getty@.service, getty)", nil},
		{"not a name", "not a name", "error", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := l.Load(c.name)
			if f.Name != c.id || string(f.LoadState) != c.state || f.Unit.Description != c.desc {
				t.Fatalf("got id %q state %q desc %q (%v)", f.Name, f.LoadState, f.Unit.Description, f.LoadError)
			}
			if c.names != nil && !slices.Equal(f.Names, c.names) {
				t.Errorf("Names = %q", f.Names)
			}
			if c.state != "loaded" && f.LoadError == nil {
				t.Error("no LoadError")
			}
		})
	}
	if f := l.Load("dir.service"); !strings.Contains(f.LoadError.Error(), "directory") || !strings.Contains(f.LoadError.Error(), "dir.service") {
		t.Errorf("directory LoadError: %v", f.LoadError)
	}
	if f := l.Load("alias.service"); !strings.HasSuffix(f.FragmentPath, "lib/real.service") {
		t.Errorf("alias FragmentPath = %s", f.FragmentPath)
	}
}

func TestDropIns(t *testing.T) {
	l := tree(t, map[string]string{
		"lib/foo-bar-baz.service":               "[Unit]\nDescription=base\nAfter=a.target\n",
		"lib/foo-bar-baz.service.d/10-a.conf":   "[Unit]\nDescription=from lib\n",
		"etc/foo-bar-baz.service.d/10-a.conf":   "[Unit]\nDescription=etc overrides lib\n",
		"lib/foo-bar-baz.service.d/20-b.conf":   "[Unit]\nAfter=\nAfter=b.target\n",
		"run/foo-bar-baz.service.d/30-off.conf": "->/dev/null",
		"lib/foo-bar-baz.service.d/30-off.conf": "[Unit]\nDescription=disabled\n",
		"lib/service.d/05-all.conf":             "[Unit]\nDocumentation=man:all(1)\n",
		"lib/foo-.service.d/06-prefix.conf":     "[Unit]\nWants=p.target\n",
		"lib/foo-bar-.service.d/07-prefix.conf": "[Unit]\nWants=q.target\n",
		"lib/foo-bar-baz.service.d/notconf.txt": "[Unit]\nDescription=ignored\n",
		"lib/tpl@.service":                      "[Unit]\n",
		"lib/tpl@.service.d/x.conf":             "[Unit]\nDescription=template drop-in for %i\n",
	})
	f := l.Load("foo-bar-baz.service")
	if f.LoadState != Loaded {
		t.Fatal(f.LoadError)
	}
	if f.Unit.Description != "etc overrides lib" {
		t.Errorf("Description = %q", f.Unit.Description)
	}
	if got := f.Unit.Deps[After]; !slices.Equal(got, []string{"b.target"}) {
		t.Errorf("After = %q (20-b.conf resets then adds)", got)
	}
	if !slices.Equal(f.Unit.Documentation, []string{"man:all(1)"}) {
		t.Errorf("type-wide drop-in: %q", f.Unit.Documentation)
	}
	if got := f.Unit.Deps[Wants]; !slices.Equal(got, []string{"p.target", "q.target"}) {
		t.Errorf("prefix drop-ins: Wants = %q", got)
	}
	var bases []string
	for _, p := range f.DropInPaths {
		bases = append(bases, filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p))
	}
	want := []string{"service.d/05-all.conf", "foo-.service.d/06-prefix.conf", "foo-bar-.service.d/07-prefix.conf",
		"foo-bar-baz.service.d/10-a.conf", "foo-bar-baz.service.d/20-b.conf"}
	if !slices.Equal(bases, want) {
		t.Errorf("DropInPaths = %q, want %q", bases, want)
	}
	if !strings.Contains(f.DropInPaths[3], "/etc/") {
		t.Errorf("10-a.conf should come from etc: %s", f.DropInPaths[3])
	}
	if g := l.Load("tpl@x1.service"); g.Unit.Description != "template drop-in for x1" {
		t.Errorf("template drop-in: %q", g.Unit.Description)
	}
}

func TestWantsRequiresDirectories(t *testing.T) {
	l := tree(t, map[string]string{
		"lib/m.target":                       "[Unit]\nWants=a.service\n",
		"etc/m.target.wants/b.service":       "->../../lib/b.service",
		"lib/m.target.wants/c.service":       "->../c.service",
		"etc/m.target.requires/d.service":    "->/whatever",
		"etc/m.target.upholds/e.service":     "->/whatever",
		"lib/m.target.wants/not-a-unit-name": "",
	})
	f := l.Load("m.target")
	if got := f.Unit.Deps[Wants]; !slices.Equal(got, []string{"a.service", "b.service", "c.service"}) {
		t.Errorf("Wants = %q", got)
	}
	if !slices.Equal(f.Unit.Deps[Requires], []string{"d.service"}) || !slices.Equal(f.Unit.Deps[Upholds], []string{"e.service"}) {
		t.Errorf("Requires %q Upholds %q", f.Unit.Deps[Requires], f.Unit.Deps[Upholds])
	}
}

func TestBadFiles(t *testing.T) {
	l := tree(t, map[string]string{
		"etc/sec.service":             "[Unit]\nDescription=x\n\n[Frob]\nA=1\n",
		"etc/bool.service":            "[Unit]\nRefuseManualStart=perhaps\n",
		"etc/span.service":            "[Unit]\nJobTimeoutSec=soon\n",
		"etc/act.service":             "[Unit]\n\nFailureAction=explode\n",
		"etc/name.service":            "[Unit]\nAfter=ok.target not/valid\n",
		"etc/quote.service":           "[Unit]\nWants=\"x.target\n",
		"etc/spec.service":            "[Unit]\nDescription=%z\n",
		"etc/cond.service":            "[Unit]\nConditionFrobnicates=yes\n",
		"etc/syn.service":             "[Unit]\nthis is not an assignment\n",
		"etc/hdr.service":             "[Unit] trailing\n",
		"etc/drop.service":            "[Unit]\n",
		"etc/drop.service.d/bad.conf": "[Unit]\nAllowIsolate=sometimes\n",
		"etc/x.nosuchtype":            "[Unit]\n",
	})
	// As systemd: what is wrong in a line is logged (a warning naming file, line and key) and the line ignored;
	// only what makes the file unreadable refuses the unit.
	cases := []struct{ unit, state, want string }{
		{"sec.service", "loaded", "sec.service:4: [Frob] Unknown section 'Frob'. Ignoring."},
		{"bool.service", "loaded", "bool.service:2: [Unit] RefuseManualStart: \"perhaps\" is not a boolean, ignoring"},
		{"span.service", "loaded", "span.service:2: [Unit] JobTimeoutSec:"},
		{"act.service", "loaded", "act.service:3: [Unit] FailureAction: \"explode\" is not one of"},
		{"name.service", "loaded", "name.service:2: [Unit] After: \"not/valid\" is not a valid unit name, ignoring"},
		{"quote.service", "loaded", "quote.service:2: [Unit] Wants: unterminated quote"},
		{"spec.service", "loaded", "spec.service:2: [Unit] Description: Failed to resolve unit specifiers in '%z': specifier: unknown specifier %z, ignoring"},
		{"cond.service", "loaded", "cond.service:2: [Unit] ConditionFrobnicates: unknown condition"},
		{"syn.service", "loaded", "syn.service:2: Missing '=', ignoring line"},
		{"drop.service", "loaded", "bad.conf:2: [Unit] AllowIsolate"},
		{"hdr.service", "bad-setting", "hdr.service:1: invalid section header"},
		{"x.nosuchtype", "not-found", "no plugin for nosuchtype"},
	}
	for _, c := range cases {
		t.Run(c.unit, func(t *testing.T) {
			f := l.Load(c.unit)
			if c.state == "loaded" {
				var warned []string
				for _, w := range f.Warnings {
					warned = append(warned, w.Error())
				}
				if f.LoadState != Loaded || !strings.Contains(strings.Join(warned, "\n"), c.want) {
					t.Fatalf("state %q (%v), warnings %q; want loaded with a warning containing %q", f.LoadState, f.LoadError, warned, c.want)
				}
				return
			}
			if string(f.LoadState) != c.state || f.LoadError == nil || !strings.Contains(f.LoadError.Error(), c.want) {
				t.Fatalf("state %q, error %v; want %q containing %q", f.LoadState, f.LoadError, c.state, c.want)
			}
			var ue *unitfile.Error
			if c.state == "bad-setting" && !errors.As(f.LoadError, &ue) {
				t.Errorf("LoadError is %T, not *unitfile.Error", f.LoadError)
			}
		})
	}
}

func TestTypeSectionsAskedOnlyForUnitsWithAFile(t *testing.T) {
	l := tree(t, map[string]string{"lib/a.service": "[Unit]\n[Service]\nExecStart=/bin/true\n"})
	asked := 0
	inner := l.TypeSections
	l.TypeSections = func(typ string) ([]string, error) { asked++; return inner(typ) }
	l.Load("missing.service")
	if asked != 0 {
		t.Fatalf("a unit without a file asked its plugin")
	}
	f := l.Load("a.service")
	if asked != 1 || len(f.TypeSections) != 1 || f.TypeSections[0].Entries[0].Value != "/bin/true" {
		t.Fatalf("asked %d, type sections %v", asked, f.TypeSections)
	}
}

func TestUnitAndInstallSections(t *testing.T) {
	l := tree(t, map[string]string{"etc/u.service": `[Unit]
Description=U
Documentation=man:u(1) "https://x/y z"
Requires=a.target
Requires=b.target
Wants=c.target
Wants=
Wants=d.target
Before=e.target
DefaultDependencies=no
RefuseManualStop=yes
AllowIsolate=true
JobTimeoutSec=1min 30s
StartLimitBurst=7
ConditionPathExists=/etc
ConditionPathExists=|!/nope
AssertKernelCommandLine=quiet
UnknownKey=1
X-Extension=the admin's, no warning

[Install]
WantedBy=multi-user.target
Alias=uu.service
Bogus=1
X-Also=the admin's
`})
	f := l.Load("u.service")
	if f.LoadState != Loaded {
		t.Fatal(f.LoadError)
	}
	u := f.Unit
	if !slices.Equal(u.Deps[Requires], []string{"a.target", "b.target"}) || !slices.Equal(u.Deps[Wants], []string{"d.target"}) {
		t.Errorf("deps %v", u.Deps)
	}
	if !slices.Equal(u.Documentation, []string{"man:u(1)", "https://x/y z"}) {
		t.Errorf("Documentation %q", u.Documentation)
	}
	if u.DefaultDependencies || !u.RefuseManualStop || !u.AllowIsolate || u.JobTimeout.Seconds() != 90 || u.StartLimitBurst != 7 {
		t.Errorf("scalars %+v", u)
	}
	if len(u.Conditions) != 2 || !u.Conditions[1].Trigger || !u.Conditions[1].Negate || u.Conditions[1].Param != "/nope" {
		t.Errorf("conditions %+v", u.Conditions)
	}
	if len(u.Asserts) != 1 || u.Asserts[0].Kind != "KernelCommandLine" {
		t.Errorf("asserts %+v", u.Asserts)
	}
	if !slices.Equal(f.Install.WantedBy, []string{"multi-user.target"}) || !slices.Equal(f.Install.Alias, []string{"uu.service"}) {
		t.Errorf("install %+v", f.Install)
	}
	var warned []string
	for _, w := range f.Warnings {
		warned = append(warned, w.Error())
	}
	if len(warned) != 2 || !strings.Contains(warned[0], "u.service:18: [Unit] UnknownKey: Unknown key 'UnknownKey' in section [Unit], ignoring.") || !strings.Contains(warned[1], "[Install] Bogus") {
		t.Errorf("warnings %q", warned)
	}
	l2 := tree(t, map[string]string{"etc/v.service": "[Unit]\nConditionPathExists=/a\nConditionPathExists=\nConditionHost=h\n"})
	if c := l2.Load("v.service").Unit.Conditions; len(c) != 1 || c[0].Kind != "Host" {
		t.Errorf("an empty condition must reset the list: %+v", c)
	}
}

// FuzzLoad: a unit file of any content loads without panicking into one of the five load states.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("[Unit]\nDescription=x\nAfter=a.target\n"))
	f.Add([]byte("[Unit]\nConditionPathExists=|!/x\n[Install]\nWantedBy=a.target\n"))
	f.Add([]byte("[Service]\nExecStart=/bin/true %n\n"))
	f.Add([]byte("[Unit]\nWants=\"unterminated\n"))
	f.Add([]byte("[Unit]\nRequiresMountsFor=/a/b \"/c d\" relative //x/../y\n"))
	l := tree(f, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(l.Paths[0], "fuzz.service"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		fr := l.Load("fuzz.service")
		switch fr.LoadState {
		case Loaded, NotFound, BadSetting, Error, Masked:
		default:
			t.Fatalf("load state %q", fr.LoadState)
		}
		if fr.LoadState != Loaded && fr.LoadError == nil {
			t.Fatalf("%s without an error", fr.LoadState)
		}
	})
}

// BenchmarkLoad10k measures the loader alone: 10,000 target files in a layered mesh with a drop-in every
// tenth, loaded one by one (the manager adds the plugin's Parse and the linking).
func BenchmarkLoad10k(b *testing.B) {
	files := map[string]string{}
	for i := 0; i < 10000; i++ {
		name := fmt.Sprintf("u%05d.target", i)
		deps := ""
		if next := (i/100 + 1) * 100; next < 10000 {
			deps = fmt.Sprintf("u%05d.target u%05d.target u%05d.target", next+(i*7)%100, next+(i*7+13)%100, next+(i*7+26)%100)
		}
		files["lib/"+name] = "[Unit]\nDescription=Unit " + name + "\nWants=" + deps + "\nAfter=" + deps + "\n"
		if i%10 == 0 {
			files["lib/"+name+".d/override.conf"] = "[Unit]\nDocumentation=man:bench(1)\n"
		}
	}
	l := tree(b, files)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 10000; j++ {
			if f := l.Load(fmt.Sprintf("u%05d.target", j)); f.LoadState != Loaded {
				b.Fatal(f.LoadError)
			}
		}
	}
}

// A drop-in directory made after the unit was read is a change NeedDaemonReload must see; one read is not.
func TestNewDropInDir(t *testing.T) {
	l := tree(t, map[string]string{
		"lib/a.service":          "[Unit]\nDescription=A\n",
		"lib/a.service.d/x.conf": "[Unit]\nDescription=X\n",
	})
	f := l.Load("a.service")
	if l.NewDropInDir(f) {
		t.Fatal("a drop-in directory that was read counts as new")
	}
	if err := os.MkdirAll(filepath.Join(l.Paths[0], "a.service.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if !l.NewDropInDir(f) {
		t.Error("etc/a.service.d, made after the load, is not seen")
	}
}
