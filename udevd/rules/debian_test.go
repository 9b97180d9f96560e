package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// debianGroups are the groups a Debian 12 system with the udev package has: base-passwd's and those udev's
// sysusers.d creates (input, kvm, render, sgx). On this build machine udev is not installed, so the test
// resolves names against this list instead of /etc/group, as udevd would on the system the rules are for.
var debianGroups = []string{"root", "tty", "disk", "lp", "kmem", "dialout", "cdrom", "tape", "audio", "video",
	"input", "kvm", "render", "sgx"}

func debianGroup(name string) (int, error) {
	if i := slices.Index(debianGroups, name); i >= 0 {
		return 1000 + i, nil
	}
	return -1, fmt.Errorf("unknown group %q", name)
}

// TestDebianRules loads the 32 rules files of Debian 12's udev package. udevd 252 prints nothing about them at
// error or warning level, so neither may we; every rule line must load.
func TestDebianRules(t *testing.T) {
	files, err := filepath.Glob("testdata/debian-bookworm-udev/*.rules")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 32 {
		t.Fatalf("%d rules files, want the 32 of the udev package", len(files))
	}
	rs, diags := Options{LookupGroup: debianGroup}.LoadFiles(files)
	for _, d := range diags {
		t.Errorf("%v (%v)", d, d.Level)
	}
	if len(rs.Files) != 32 {
		t.Errorf("%d files loaded, want 32", len(rs.Files))
	}
	lines := 0
	for _, f := range rs.Files {
		lines += len(f.Lines)
	}
	t.Logf("%d rule lines", lines)
}

// TestDebianStaticNodes: 50-udev-default.rules gives the static node /dev/kvm (made from modules.devname before
// the module loads) to group kvm, mode 0660.
func TestDebianStaticNodes(t *testing.T) {
	files, _ := filepath.Glob("testdata/debian-bookworm-udev/*.rules")
	rs, _ := Options{LookupGroup: debianGroup}.LoadFiles(files)
	nodes := rs.StaticNodes()
	kvm, _ := debianGroup("kvm")
	for _, n := range nodes {
		if n.Node == "kvm" {
			if n.GID != kvm || n.Mode != 0o660 {
				t.Errorf("kvm: %+v, want group %d mode 0660", n, kvm)
			}
			return
		}
	}
	t.Errorf("no static node kvm in %+v", nodes)
}
