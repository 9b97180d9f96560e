package unit

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// Every lookup the loader makes (aliases, masks, templates, drop-ins of every kind, .wants/.requires/.upholds,
// mount dependencies) gives the same fragment inside a batch as outside it.
func TestBatchLoadsAsWithout(t *testing.T) {
	l := tree(t, map[string]string{
		"lib/a.service":                         "[Unit]\nDescription=lib\n",
		"etc/a.service":                         "[Unit]\nDescription=etc\n",
		"lib/real.service":                      "[Unit]\nDescription=Real\n",
		"etc/alias.service":                     "->../lib/real.service",
		"etc/masked.service":                    "->/dev/null",
		"lib/empty.service":                     "",
		"etc/dir.service":                       "<dir>",
		"lib/getty@.service":                    "[Unit]\nDescription=Getty on %I\n",
		"lib/getty@tty9.service":                "[Unit]\nDescription=own file\n",
		"lib/getty@.service.d/x.conf":           "[Unit]\nDocumentation=man:getty(8)\n",
		"lib/foo-bar-baz.service":               "[Unit]\nDescription=base\nAfter=a.target\nRequiresMountsFor=/srv/data\n",
		"lib/foo-bar-baz.service.d/10-a.conf":   "[Unit]\nDescription=from lib\n",
		"etc/foo-bar-baz.service.d/10-a.conf":   "[Unit]\nDescription=etc overrides lib\n",
		"run/foo-bar-baz.service.d/30-off.conf": "->/dev/null",
		"lib/foo-bar-baz.service.d/30-off.conf": "[Unit]\nDescription=disabled\n",
		"lib/service.d/05-all.conf":             "[Unit]\nDocumentation=man:all(1)\n",
		"lib/foo-.service.d/06-prefix.conf":     "[Unit]\nWants=p.target\n",
		"lib/srv.mount":                         "[Unit]\n[Mount]\nWhat=/dev/x\nWhere=/srv\n",
		"lib/m.target":                          "[Unit]\nWants=a.service\n",
		"etc/m.target.wants/b.service":          "->../../lib/b.service",
		"lib/m.target.wants/c.service":          "->../c.service",
		"etc/m.target.requires/d.service":       "->/whatever",
		"etc/m.target.upholds/e.service":        "->/whatever",
	})
	l.TypeSections = func(typ string) ([]string, error) { return map[string][]string{"mount": {"Mount"}}[typ], nil }
	names := []string{"a.service", "alias.service", "masked.service", "empty.service", "dir.service",
		"getty@tty1.service", "getty@tty9.service", "foo-bar-baz.service", "m.target", "srv.mount", "nope.service",
		"nope@x.service"}
	var want []*Fragment
	for _, n := range names {
		want = append(want, l.Load(n))
	}
	end := l.Batch()
	defer end()
	for i, n := range names {
		if got := l.Load(n); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%s in a batch:\n%+v\nwithout:\n%+v", n, got, want[i])
		}
	}
}

// A batch lists each directory once: a file added to a listed directory is seen by the next batch, not by this
// one; a directory that cannot be listed is probed name by name.
func TestBatchListsOnce(t *testing.T) {
	l := tree(t, map[string]string{"lib/a.target": "[Unit]\n"})
	end := l.Batch()
	if f := l.Load("a.target"); f.LoadState != Loaded {
		t.Fatal(f.LoadError)
	}
	if err := os.WriteFile(filepath.Join(l.Paths[2], "b.target"), []byte("[Unit]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f := l.Load("b.target"); f.LoadState != NotFound {
		t.Errorf("b.target in the batch that listed its directory before it existed: %s", f.LoadState)
	}
	end()
	if f := l.Load("b.target"); f.LoadState != Loaded {
		t.Errorf("b.target after the batch: %s %v", f.LoadState, f.LoadError)
	}
	// An unlistable directory (a file where a directory should be) hides nothing.
	l.Paths = append([]string{filepath.Join(l.Paths[2], "a.target")}, l.Paths...)
	defer l.Batch()()
	if f := l.Load("b.target"); f.LoadState != Loaded {
		t.Errorf("b.target with an unlistable directory first on the path: %s %v", f.LoadState, f.LoadError)
	}
}

// Read asks no plugin, and Read then Finish is Load: for units that load, for every way a unit fails (a section
// its type does not take, a type no plugin serves, bad settings), for declared units and mount dependencies.
func TestReadThenFinishIsLoad(t *testing.T) {
	l := tree(t, map[string]string{
		"etc/a.service":                "[Unit]\nDescription=a\nRequiresMountsFor=/srv\n[Service]\nExecStart=/bin/true\n[X-Own]\nK=v\n",
		"etc/alias.service":            "->a.service",
		"etc/masked.service":           "->/dev/null",
		"lib/getty@.service":           "[Unit]\nDescription=Getty on %I\n",
		"etc/sec.service":              "[Unit]\nDescription=x\n\n[Frob]\nA=1\n",
		"etc/secbad.service":           "[Unit]\nDescription=%z\n\n[Frob]\nA=1\n",
		"etc/bool.service":             "[Unit]\nRefuseManualStart=perhaps\n",
		"etc/syn.service":              "[Unit]\nthis is not an assignment\n",
		"etc/drop.service":             "[Unit]\n",
		"etc/drop.service.d/bad.conf":  "[Unit]\nAllowIsolate=sometimes\n",
		"etc/x.nosuchtype":             "[Unit]\n[Nosuchtype]\nA=1\n",
		"etc/srv.mount":                "[Unit]\n[Mount]\nWhat=/dev/sda1\n",
		"etc/m.target":                 "[Unit]\nWants=a.service\n",
		"etc/m.target.wants/b.service": "->../a.service",
	})
	asked := 0
	inner := l.TypeSections
	l.TypeSections = func(typ string) ([]string, error) {
		asked++
		if typ == "mount" {
			return []string{"Mount"}, nil
		}
		return inner(typ)
	}
	declared := map[string][]*unitfile.Section{
		"run.mount": {{Name: "Unit", Entries: []unitfile.Entry{{Key: "Description", Value: "run"}}}, {Name: "Mount"}},
		"odd.mount": {{Name: "Unit"}, {Name: "Frob"}},
		"dev.swap":  {{Name: "Unit"}, {Name: "Swap"}},
	}
	l.Declared = func(name string) []*unitfile.Section { return declared[name] }
	for _, n := range []string{"a.service", "alias.service", "masked.service", "getty@tty1.service", "sec.service",
		"secbad.service", "bool.service", "syn.service", "drop.service", "x.nosuchtype", "srv.mount", "m.target",
		"nope.service", "run.mount", "odd.mount", "dev.swap"} {
		want := l.Load(n)
		asked = 0
		got := l.Read(n)
		if asked != 0 {
			t.Errorf("%s: Read asked for the type's sections", n)
		}
		// Every unit with a file or declared has its type's sections to check; a mask or a missing file has none.
		if got.Unchecked() != (n != "masked.service" && n != "nope.service") {
			t.Errorf("%s: Unchecked %v after Read (%s)", n, got.Unchecked(), want.LoadState)
		}
		l.Finish(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Read and Finish\n%+v\nLoad\n%+v", n, got, want)
		}
	}
}
