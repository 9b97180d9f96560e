package unit

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const gettyTemplate = "[Service]\nTTYPath=/dev/%I\n[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n"

// The unit file states of systemd's unit_file_lookup_state, for the cases issue 15 found (bugs 3, 4, 5).
func TestFileState(t *testing.T) {
	l := tree(t, map[string]string{
		"lib/ssh.service":                           "[Service]\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n",
		"etc/sshd.service":                          "->../lib/ssh.service",
		"etc/multi-user.target.wants/ssh.service":   "->../../lib/ssh.service",
		"lib/getty@.service":                        gettyTemplate,
		"etc/getty.target.wants/getty@tty2.service": "->../../lib/getty@.service",
		"lib/serial-getty@.service":                 "[Service]\n[Install]\nWantedBy=getty.target\n",
		"lib/static.service":                        "[Service]\n",
		"lib/also.service":                          "[Service]\n[Install]\nAlso=ssh.service\n",
		"lib/off.service":                           "[Service]\n[Install]\nWantedBy=multi-user.target\n",
		"run/off.service.d/x.conf":                  "",
		"run/multi-user.target.wants/rt.service":    "->../../lib/rt.service",
		"lib/rt.service":                            "[Service]\n[Install]\nWantedBy=multi-user.target\n",
		"etc/masked.service":                        "->/dev/null",
		"lib/broken.service":                        "[Install]\nWantedBy=a b c\"\n",
		// sctl link: a file from outside the path, linked in under its own name (systemctl --root agrees).
		"opt/ext.service":    "[Service]\n",
		"etc/ext.service":    "->../opt/ext.service",
		"opt/ext2.service":   "[Service]\n[Install]\nWantedBy=multi-user.target\n",
		"etc/ext2.service":   "->../opt/ext2.service",
		"opt/rtlink.service": "[Service]\n",
		"run/rtlink.service": "->../opt/rtlink.service",
	})
	for name, want := range map[string]string{
		"ssh.service":           "enabled",
		"sshd.service":          "alias",
		"getty@.service":        "indirect", // an instance is enabled, not its DefaultInstance=
		"getty@tty2.service":    "enabled",
		"getty@tty1.service":    "disabled",
		"serial-getty@.service": "disabled",
		"static.service":        "static",
		"also.service":          "indirect",
		"off.service":           "disabled",
		"rt.service":            "enabled-runtime",
		"masked.service":        "masked",
		"broken.service":        "bad",
		"nosuch.service":        "",
		"ext.service":           "linked",
		"ext2.service":          "linked", // install rules, not enabled: still linked, as systemd says
		"rtlink.service":        "linked-runtime",
	} {
		if got := l.FileState(name, l.Paths[1]); got != want {
			t.Errorf("FileState(%s) = %q, want %q", name, got, want)
		}
	}
	if err := os.Symlink("../../lib/getty@.service", filepath.Join(l.Paths[0], "getty.target.wants/getty@tty1.service")); err != nil {
		t.Fatal(err)
	}
	if got := l.FileState("getty@.service", l.Paths[1]); got != "enabled" {
		t.Errorf("template with its DefaultInstance= enabled: %q", got)
	}
}

// linksIn lists the symlinks under dir, relative to it.
func linksIn(dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// Bugs 3 and 4: enable and disable resolve aliases; a template without DefaultInstance= makes no link.
func TestEnableDisableThroughAliasesAndTemplates(t *testing.T) {
	l := tree(t, map[string]string{
		"lib/a-real.service":        "[Service]\n[Install]\nWantedBy=multi-user.target\nAlias=a-alias.service\n",
		"lib/getty@.service":        gettyTemplate,
		"lib/serial-getty@.service": "[Service]\n[Install]\nWantedBy=getty.target\n",
	})
	etc := l.Paths[0]
	mustEnable := func(name string) []Change {
		t.Helper()
		c, err := l.Enable(name, etc)
		if err != nil {
			t.Fatalf("enable %s: %v", name, err)
		}
		return c
	}
	mustEnable("a-real.service")
	if c := mustEnable("a-alias.service"); len(c) != 0 {
		t.Errorf("enable through the alias changed %v", c)
	}
	if got := linksIn(etc); !slices.Equal(got, []string{"a-alias.service", "multi-user.target.wants/a-real.service"}) {
		t.Errorf("links %v", got)
	}
	// A link named after the alias in a .wants directory (made by an older sysmaster) goes too.
	os.Symlink("../a-alias.service", filepath.Join(etc, "multi-user.target.wants/a-alias.service"))
	if _, err := l.Disable("a-real.service"); err != nil {
		t.Fatal(err)
	}
	if got := linksIn(etc); len(got) != 0 {
		t.Errorf("links left by disable: %v", got)
	}
	if c := mustEnable("serial-getty@.service"); len(c) != 0 || HasInstallInfo(l.InstallInfo("serial-getty@.service")) {
		t.Errorf("a template without DefaultInstance= was enabled: %v", c)
	}
	mustEnable("getty@.service")
	mustEnable("getty@tty5.service")
	if got := linksIn(etc); !slices.Equal(got, []string{"getty.target.wants/getty@tty1.service", "getty.target.wants/getty@tty5.service"}) {
		t.Errorf("links %v", got)
	}
	if _, err := l.Disable("getty@tty5.service"); err != nil {
		t.Fatal(err)
	}
	if got := linksIn(etc); !slices.Equal(got, []string{"getty.target.wants/getty@tty1.service"}) {
		t.Errorf("disable of an instance: links %v", got)
	}
	if _, err := l.Disable("nosuch.service"); err == nil || err.Error() != "Unit file nosuch.service does not exist." {
		t.Errorf("disable nosuch.service: %v", err)
	}
}
