package unit

import (
	"slices"
	"strings"
	"testing"
)

func TestRequiresMountsFor(t *testing.T) {
	l := tree(t, map[string]string{
		"etc/db.service":            "[Unit]\nRequiresMountsFor=/srv/data/db relative /var\n",
		"etc/srv.mount":             "[Mount]\nWhat=tmpfs\n",
		"lib/srv-data.mount":        "[Mount]\nWhat=tmpfs\n",
		"etc/var.mount":             "",                      // masked: no dependency
		"etc/srv-data-db-x.mount":   "[Mount]\nWhat=tmpfs\n", // below the path: not a prefix
		"etc/srv-data-db-x-y.mount": "[Mount]\nWhat=tmpfs\n",
		"etc/mnt-img.mount":         "[Mount]\nWhat=/srv/data/disk.img\nOptions=loop\n",
		"etc/srv-swapfile.swap":     "[Swap]\n",
	})
	inner := l.TypeSections
	l.TypeSections = func(typ string) ([]string, error) {
		switch typ {
		case "mount":
			return []string{"Mount"}, nil
		case "swap":
			return []string{"Swap"}, nil
		}
		return inner(typ)
	}
	for _, tc := range []struct {
		unit string
		want []string
	}{
		{"db.service", []string{"srv-data.mount", "srv.mount"}},
		// A mount requires the mounts of its mount point's parents, not itself and not its children.
		{"srv-data-db-x-y.mount", []string{"srv-data-db-x.mount", "srv-data.mount", "srv.mount"}},
		{"srv.mount", nil},
		// A loop mount's image: its file system's mounts.
		{"mnt-img.mount", []string{"srv-data.mount", "srv.mount"}},
		{"srv-swapfile.swap", []string{"srv.mount"}},
	} {
		f := l.Load(tc.unit)
		if f.LoadState != Loaded {
			t.Fatalf("%s: %v", tc.unit, f.LoadError)
		}
		for _, kind := range []DepKind{Requires, After} {
			got := slices.Clone(f.Unit.Deps[kind])
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s %s=%q, want %q", tc.unit, kind, got, tc.want)
			}
		}
	}
	if f := l.Load("db.service"); len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0].Error(), "RequiresMountsFor") {
		t.Errorf("a relative path is not warned about: %v", f.Warnings)
	}
}
