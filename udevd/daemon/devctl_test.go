package daemon

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/udevd/adm"
)

// devctl runs a devctl command against the test's udevd and returns its output and exit status.
func devctl(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	e := &adm.Env{Stdout: &out, Stderr: &errb, RunDir: "/run/udev", Control: "/run/udev/control"}
	st := e.Main(args)
	return out.String(), errb.String(), st
}

func mustDevctl(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, st := devctl(args...)
	if st != 0 {
		t.Fatalf("devctl %s: status %d\n%s%s", strings.Join(args, " "), st, out, errs)
	}
	return out
}

// TestDevctl drives udevd with devctl's verbs: control, trigger with filters and --settle, info, test,
// test-builtin, settle, and control --exit.
func TestDevctl(t *testing.T) {
	td := startDaemon(t, map[string]string{
		"10-lo.rules": "SUBSYSTEM==\"net\", KERNEL==\"lo\", ENV{DEVCTL_TEST}=\"first\", TAG+=\"devctltest\"\n",
	}, 0)
	mustDevctl(t, "control", "--ping", "--log-level=debug", "-m", "3")
	if _, _, st := devctl("control", "--children-max=0"); st != 1 {
		t.Errorf("control --children-max=0: status %d, want 1", st)
	}
	if _, _, st := devctl("control", "--bogus"); st != 2 {
		t.Errorf("control --bogus: status %d, want 2", st)
	}

	out := mustDevctl(t, "trigger", "--verbose", "--subsystem-match=net", "--sysname-match=lo", "--settle",
		"--wait-daemon")
	if strings.TrimSpace(out) != "/sys/devices/virtual/net/lo" {
		t.Fatalf("trigger printed %q", out)
	}
	// --settle returned: the event is processed.
	out = mustDevctl(t, "info", "--query=property", "--path=/sys/class/net/lo")
	if !strings.Contains(out, "DEVCTL_TEST=first\n") || !strings.Contains(out, "TAGS=:devctltest:\n") {
		t.Fatalf("info --query=property:\n%s", out)
	}
	out = mustDevctl(t, "info", "/sys/class/net/lo")
	for _, want := range []string{"P: /devices/virtual/net/lo\n", "U: net\n", "I: 1\n", "E: DEVCTL_TEST=first\n",
		"E: USEC_INITIALIZED="} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
	out = mustDevctl(t, "info", "--attribute-walk", "--path=/sys/class/net/lo")
	if !strings.Contains(out, "looking at device '/devices/virtual/net/lo':\n    KERNEL==\"lo\"\n    SUBSYSTEM==\"net\"\n") ||
		!strings.Contains(out, "    ATTR{ifindex}==\"1\"\n") {
		t.Errorf("info --attribute-walk:\n%s", out)
	}
	if out := mustDevctl(t, "info", "--export-db"); !strings.Contains(out, "P: /devices/virtual/net/lo\n") ||
		!strings.Contains(out, "E: DEVCTL_TEST=first\n") {
		t.Errorf("info --export-db lacks lo's entry:\n%.2000s", out)
	}
	if _, _, st := devctl("info", "--query=bogus", "/sys/class/net/lo"); st != 2 {
		t.Errorf("info --query=bogus: status %d, want 2", st)
	}
	if out := mustDevctl(t, "trigger", "-n", "-v", "--tag-match=devctltest"); strings.TrimSpace(out) != "/sys/devices/virtual/net/lo" {
		t.Errorf("trigger --tag-match printed %q", out)
	}
	if out := mustDevctl(t, "trigger", "-n", "-v", "-s", "net", "--attr-match=ifindex=1", "--property-match=INTERFACE=l?"); strings.TrimSpace(out) != "/sys/devices/virtual/net/lo" {
		t.Errorf("trigger --attr-match/--property-match printed %q", out)
	}
	if out := mustDevctl(t, "trigger", "-n", "-v", "-s", "net", "-S", "net"); out != "" {
		t.Errorf("trigger with -s net -S net printed %q", out)
	}

	// A new rule: reload, trigger, settle.
	rd := td.cfg.RulesDirs[0]
	if err := os.WriteFile(filepath.Join(rd, "20-second.rules"),
		[]byte("SUBSYSTEM==\"net\", KERNEL==\"lo\", ENV{DEVCTL_SECOND}=\"yes\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustDevctl(t, "control", "--reload")
	mustDevctl(t, "trigger", "--parent-match=/sys/devices/virtual/net/lo", "--action=change")
	mustDevctl(t, "settle", "--timeout=30")
	data, _ := os.ReadFile("/run/udev/data/n1")
	if !strings.Contains(string(data), "E:DEVCTL_SECOND=yes\n") {
		t.Fatalf("after reload, trigger and settle, the database entry is:\n%s", data)
	}

	// test: a dry run with the rules of the default directories (a private /run here).
	if err := os.MkdirAll("/run/udev/rules.d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/run/udev/rules.d/99-dry.rules",
		[]byte("SUBSYSTEM==\"net\", KERNEL==\"lo\", ENV{DRY}=\"run\", RUN+=\"/bin/false dry\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile("/run/udev/data/n1")
	out = mustDevctl(t, "test", "--action=change", "/sys/class/net/lo")
	if !strings.Contains(out, "DRY=run\n") || !strings.Contains(out, "run: '/bin/false dry' (program)\n") {
		t.Fatalf("test printed:\n%s", out)
	}
	if after, _ := os.ReadFile("/run/udev/data/n1"); !bytes.Equal(before, after) {
		t.Fatal("devctl test changed the database")
	}
	if _, _, st := devctl("test-builtin", "path_id", "/sys/class/net/lo"); st != 1 {
		t.Errorf("test-builtin path_id on lo (no path): status %d, want 1", st)
	}
	if _, _, st := devctl("test-builtin", "nosuch", "/sys/class/net/lo"); st != 2 {
		t.Errorf("test-builtin nosuch: status %d, want 2", st)
	}

	mustDevctl(t, "info", "--cleanup-db")
	if _, err := os.Stat("/run/udev/data/n1"); err == nil {
		t.Error("info --cleanup-db left /run/udev/data/n1")
	}
	mustDevctl(t, "control", "--exit")
	select {
	case err := <-td.done:
		td.stop = func() error { return err }
	case <-time.After(30 * time.Second):
		t.Fatal("udevd did not exit after control --exit")
	}
}

// TestDevctlMonitor: `devctl monitor --kernel --udev --property --subsystem-match=net` prints the kernel's event
// and udevd's broadcast of it.
func TestDevctlMonitor(t *testing.T) {
	startDaemon(t, map[string]string{"10-net.rules": "SUBSYSTEM==\"net\", ENV{SEEN}=\"monitor\"\n"}, 0)
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	e := &adm.Env{Ctx: ctx, Stdout: out, Stderr: out, RunDir: "/run/udev", Control: "/run/udev/control"}
	done := make(chan int, 1)
	go func() { done <- e.Main([]string{"monitor", "-k", "-u", "--property", "--subsystem-match=net"}) }()
	waitFor(t, "monitor's sockets", func() bool { return strings.Contains(out.String(), "KERNEL - the kernel uevent\n\n") })
	changeLo(t)
	waitFor(t, "both events printed", func() bool {
		s := out.String()
		return strings.Contains(s, "change   /devices/virtual/net/lo (net)\n") && strings.Contains(s, "KERNEL[") &&
			strings.Contains(s, "UDEV  [") && strings.Contains(s, "SEEN=monitor\n")
	})
	cancel()
	if st := <-done; st != 0 {
		t.Fatalf("monitor: status %d\n%s", st, out.String())
	}
}
