package system

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/test/harness"
)

// offlineUnits is a tree as an image builder has it: Debian's directories, units with every kind of [Install].
var offlineUnits = map[string]string{
	"lib/systemd/system/multi-user.target":     "[Unit]\nDescription=Multi-User\n",
	"lib/systemd/system/rescue.target":         "[Unit]\nDescription=Rescue\nAllowIsolate=yes\n",
	"lib/systemd/system/sockets.target":        "[Unit]\nDescription=Sockets\n",
	"lib/systemd/system/ssh.service":           "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\nAlso=ssh.socket\n",
	"lib/systemd/system/ssh.socket":            "[Socket]\nListenStream=22\n[Install]\nWantedBy=sockets.target\n",
	"lib/systemd/system/cron.service":          "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
	"lib/systemd/system/getty@.service":        "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nDefaultInstance=tty1\n",
	"lib/systemd/system/static.service":        "[Service]\nExecStart=/bin/true\n",
	"lib/systemd/system/rsyslog.service":       "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nRequiredBy=sockets.target\n",
	"lib/systemd/system-preset/90-test.preset": "enable cron.service\ndisable rsyslog.service\ndisable *\n",
	// sysmaster's search path on the tree: systemd's directories, as on a migrated system.
	"etc/sysmaster/system.conf": "[Manager]\nUnitPaths = [\"/etc/systemd/system\", \"/run/systemd/system\", \"/lib/systemd/system\"]\n",
}

// treeLinks returns the symlinks under dir/etc and dir/run: relative path → target.
func treeLinks(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, top := range []string{"etc", "run"} {
		err := filepath.WalkDir(filepath.Join(dir, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.Type()&fs.ModeSymlink == 0 {
				return err
			}
			target, err := os.Readlink(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = target
			return err
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return out
}

// TestOfflineRoot runs the unit-file verbs with --root on a tree and Debian's systemctl --root on a copy of it:
// the links made are the same, byte for byte, after each step, and so are is-enabled's answers.
func TestOfflineRoot(t *testing.T) {
	t.Parallel()
	systemctl, err := exec.LookPath("systemctl")
	if err != nil {
		t.Skip("systemctl is not installed: nothing to compare with")
	}
	sctl := filepath.Join(harness.Install(t), "usr/bin/sctl")
	ours, theirs := t.TempDir(), t.TempDir()
	for _, dir := range []string{ours, theirs} {
		for rel, content := range offlineUnits {
			p := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(bin, root string, args ...string) (string, string, int) {
		cmd := exec.Command(bin, append([]string{"--root=" + root}, args...)...)
		var out, errs strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errs
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		// The reports name the tree: make them comparable.
		return out.String(), strings.ReplaceAll(errs.String(), root, "ROOT"), code
	}
	steps := [][]string{
		{"enable", "ssh.service"},
		{"enable", "cron.service", "getty@.service"},
		{"enable", "getty@ttyS0.service"},
		// Through the alias: no second link on either side. systemctl 252 fails it ("refusing to operate on
		// linked unit file"); sctl enables the unit the alias names (docs/sctl.md), so only the links compare.
		{"enable", "sshd.service"},
		{"enable", "--runtime", "rsyslog.service"},
		{"set-default", "rescue.target"},
		{"mask", "static.service"},
		{"disable", "ssh.service"},
		{"unmask", "static.service"},
		{"add-wants", "multi-user.target", "static.service"},
		{"preset-all", "--preset-mode=enable-only"},
		{"preset", "rsyslog.service"},
		{"preset-all"},
		{"disable", "cron.service"},
		{"preset", "--preset-mode=disable-only", "cron.service"},
		{"preset", "--preset-mode=enable-only", "cron.service"},
	}
	for _, step := range steps {
		o, oe, oc := run(sctl, ours, step...)
		s, se, sc := run(systemctl, theirs, step...)
		lo, ls := treeLinks(t, ours), treeLinks(t, theirs)
		if len(lo) != len(ls) {
			t.Errorf("%v: %d links, systemctl made %d:\nours   %v\ntheirs %v", step, len(lo), len(ls), lo, ls)
		}
		for p, target := range ls {
			if lo[p] != target {
				t.Errorf("%v: %s → %q, systemctl's → %q", step, p, lo[p], target)
			}
		}
		if (oc != sc || o != s) && step[1] != "sshd.service" {
			t.Errorf("%v: exit %d %q, systemctl's %d %q", step, oc, o, sc, s)
		}
		// The reports name the same links (systemctl lists them in an order of its own).
		if !sameLines(oe, se) && step[1] != "sshd.service" {
			t.Errorf("%v: reported\n%s\nsystemctl reported\n%s", step, oe, se)
		}
		for _, name := range []string{"ssh.service", "sshd.service", "ssh.socket", "cron.service", "getty@.service", "static.service", "rsyslog.service"} {
			o, _, oc := run(sctl, ours, "is-enabled", name)
			s, _, sc := run(systemctl, theirs, "is-enabled", name)
			if o != s || oc != sc {
				t.Errorf("after %v: is-enabled %s: %q (exit %d), systemctl %q (exit %d)", step, name, o, oc, s, sc)
			}
		}
	}
	mustRun := func(bin, root string, args ...string) {
		if _, errs, code := run(bin, root, args...); code != 0 {
			t.Fatalf("%s %v: exit %d %s", bin, args, code, errs)
		}
	}
	mustRun(sctl, ours, "set-default", "multi-user")
	mustRun(systemctl, theirs, "set-default", "multi-user")
	o, _, oc := run(sctl, ours, "get-default")
	s, _, sc := run(systemctl, theirs, "get-default")
	if o != s || oc != sc || o != "multi-user.target\n" {
		t.Errorf("get-default: %q (exit %d), systemctl %q (exit %d)", o, oc, s, sc)
	}
	o, _, _ = run(sctl, ours, "list-unit-files", "--no-legend")
	s, _, _ = run(systemctl, theirs, "list-unit-files", "--no-legend")
	if o != s {
		t.Errorf("list-unit-files:\n%s\nsystemctl:\n%s", o, s)
	}
}

// sameLines reports whether a and b hold the same lines, in any order.
func sameLines(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	slices.Sort(la)
	slices.Sort(lb)
	return slices.Equal(la, lb)
}
