package unit

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
	if !l.MayExist("getty@tty1.service") || !l.MayExist("srv.mount") || l.MayExist("nope.service") {
		t.Error("MayExist does not follow the listings")
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
