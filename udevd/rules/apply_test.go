package rules

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// fakeSysfs writes a tiny sysfs tree: a pci parent with a disk "vda" (8:0) below it.
func fakeSysfs(t *testing.T) device.Sysfs {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"devices/pci0000:00/0000:00:04.0/uevent":           "PCI_ID=1AF4:1001\n",
		"devices/pci0000:00/0000:00:04.0/vendor":           "0x1af4\n",
		"devices/pci0000:00/0000:00:04.0/block/vda/uevent": "MAJOR=8\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n",
		"devices/pci0000:00/0000:00:04.0/block/vda/size":   "2048\n",
		"devices/pci0000:00/0000:00:04.0/block/vda/ro":     "0\n",
		"class/block/.keep":                                "",
		"bus/pci/.keep":                                    "",
	}
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"devices/pci0000:00/0000:00:04.0/block/vda/subsystem": "../../../../../class/block",
		"devices/pci0000:00/0000:00:04.0/subsystem":           "../../../bus/pci",
		"class/block/vda": "../../devices/pci0000:00/0000:00:04.0/block/vda",
	}
	for p, target := range links {
		if err := os.Symlink(target, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	return device.Sysfs{Root: root}
}

func applyText(t *testing.T, sys device.Sysfs, text string, setup func(*Event)) *Event {
	t.Helper()
	f, diags, err := ParseFile("t.rules", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diags {
		t.Logf("diag: %v", d)
	}
	d, err := sys.New("/class/block/vda")
	if err != nil {
		t.Fatal(err)
	}
	d.SetUeventProperty("ACTION", "add")
	ev := NewEvent(d)
	ev.Log = func(s string) { t.Log(s) }
	if setup != nil {
		setup(ev)
	}
	if err := (&Rules{Files: []*File{f}}).Apply(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestApplyAssignments(t *testing.T) {
	sys := fakeSysfs(t)
	dir := t.TempDir()
	importFile := filepath.Join(dir, "props")
	if err := os.WriteFile(importFile, []byte("# comment\nFROM_FILE='quoted value'\nBAD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sysctl := filepath.Join(dir, "sysctl")
	if err := os.MkdirAll(filepath.Join(sysctl, "kernel"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sysctl, "kernel/x"), []byte("5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := strings.Join([]string{
		`SUBSYSTEM=="block", ENV{A}="1", ENV{A}+="2", TAG+="one", TAG+="two", TAG-="one"`,
		`ATTRS{vendor}=="0x1af4", ENV{VENDOR_DRIVER}="$id"`,
		`IMPORT{file}="` + importFile + `"`,
		`IMPORT{cmdline}="root", IMPORT{cmdline}="quiet", IMPORT{cmdline}="net.ifnames", IMPORT{cmdline}="foo_bar"`,
		`SYSCTL{kernel.x}=="5", SYSCTL{kernel.x}="7"`,
		`ATTR{ro}=="0", ATTR{ro}="1"`,
		`RUN+="/bin/first $kernel", RUN{builtin}+="path_id"`,
		`KERNEL=="vda", RUN="/bin/only $env{A}", OPTIONS+="link_priority=-5", OPTIONS="watch"`,
		`KERNEL=="vda", NAME="net0"`,
		`TEST=="size", TEST{0200}=="ro", TEST!="nothing", ENV{TESTS}="ok"`,
		`ENV{A}=="1 2", GOTO="skip"`,
		`ENV{SKIPPED}="yes"`,
		`LABEL="skip"`,
		`CONST{arch}=="?*", ENV{ARCH}="set"`,
	}, "\n") + "\n"
	ev := applyText(t, sys, text, func(ev *Event) {
		ev.Cmdline = "root=/dev/vda1 quiet net.ifnames=0 foo-bar=2 rd.only=1"
		ev.SysctlRoot = sysctl
	})
	d := ev.Dev
	props := map[string]string{"A": "1 2", "VENDOR_DRIVER": "0000:00:04.0", "FROM_FILE": "quoted value",
		"root": "/dev/vda1", "quiet": "1", "net.ifnames": "0", "foo_bar": "2", "TESTS": "ok", "ARCH": "set"}
	for k, want := range props {
		if got, _ := d.Property(k); got != want {
			t.Errorf("property %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := d.Property("SKIPPED"); ok {
		t.Error("GOTO did not skip")
	}
	if tags := d.CurrentTags(); !slices.Equal(tags, []string{"two"}) {
		t.Errorf("tags %v, want [two]", tags)
	}
	if len(ev.Run) != 1 || ev.Run[0].Command != "/bin/only 1 2" || ev.Run[0].Builtin {
		t.Errorf("RUN %+v", ev.Run)
	}
	if d.LinkPriority != -5 || ev.Watch != 1 {
		t.Errorf("link priority %d, watch %d", d.LinkPriority, ev.Watch)
	}
	if ev.Name != "" {
		t.Errorf("NAME set on a block device: %q", ev.Name)
	}
	if b, _ := os.ReadFile(filepath.Join(sysctl, "kernel/x")); string(b) != "7" {
		t.Errorf("sysctl holds %q", b)
	}
	if v, _ := d.Attr("ro"); v != "1" {
		t.Errorf("ATTR{ro} = %q after the write", v)
	}
}

// TestProgramTimeout: a PROGRAM that hangs is killed when the event's time is up, and does not match.
func TestProgramTimeout(t *testing.T) {
	sys := fakeSysfs(t)
	start := time.Now()
	ev := applyText(t, sys, `PROGRAM=="/bin/sh -c 'sleep 60; echo late'", ENV{RAN}="yes"`+"\n", func(ev *Event) {
		ev.Timeout = 300 * time.Millisecond
	})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v, the program was not killed at the timeout", took)
	}
	if _, ok := ev.Dev.Property("RAN"); ok {
		t.Error("a killed PROGRAM matched")
	}
}

func TestSubstitutions(t *testing.T) {
	sys := fakeSysfs(t)
	ev := applyText(t, sys, strings.Join([]string{
		`PROGRAM=="/bin/sh -c 'printf \"one two  three\"'", ENV{R}="%c{2}|%c{2+}|$result"`,
		`ENV{S}="%k %n %M:%m $devnode %p %s{size} $attr{[block/vda]ro} %% $$ %r %S $name $unknown"`,
	}, "\n")+"\n", nil)
	want := map[string]string{
		"R": "two|two  three|one two  three",
		"S": "vda  8:0 /dev/vda /devices/pci0000:00/0000:00:04.0/block/vda 2048 0 % $ /dev /sys vda $unknown",
	}
	for k, w := range want {
		if got, _ := ev.Dev.Property(k); got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
}

// TestExecuteRun: RUN programs run after the rules, in order, with the device's properties as environment; a
// failing entry does not stop the next.
func TestExecuteRun(t *testing.T) {
	sys := fakeSysfs(t)
	out := filepath.Join(t.TempDir(), "out")
	ev := applyText(t, sys, strings.Join([]string{
		`ENV{MARK}="m1"`,
		`RUN+="/bin/sh -c 'echo $$MARK $$DEVNAME %k >> ` + out + `'"`,
		`RUN+="/nonexistent/program"`,
		`RUN+="/bin/sh -c 'echo second >> ` + out + `'"`,
	}, "\n")+"\n", nil)
	if len(ev.Run) != 3 {
		t.Fatalf("RUN list %+v", ev.Run)
	}
	ev.ExecuteRun(context.Background())
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "m1 /dev/vda vda\nsecond\n" {
		t.Errorf("programs wrote %q", b)
	}
}
