package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/udevd/control"
)

// TestPSSAtRestBesideSystemdUdevd measures udevd and Debian 12's systemd-udevd (252) the same way: each with
// Debian's 32 rules files, started in this namespace, an "add" of lo processed (the namespace's coldplug: its
// only device that no other namespace sees), then ten seconds at rest, then the daemon's smaps_rollup. The PSS
// figures are reported, not compared: both depend on the machine (systemd-udevd's libraries are shared with
// whatever else maps them, udevd's image is paged out as far as the file system lets the kernel). What is checked
// is that udevd's resident image shrinks once it is at rest (atRest).
func TestPSSAtRestBesideSystemdUdevd(t *testing.T) {
	if testing.Short() {
		t.Skip("20 s of idling")
	}
	root := needDebian(t)
	dir := t.TempDir()
	bin := buildUdevd(t, dir)
	installDebianRules(t)

	const rest = 10 * time.Second
	ours := func(t *testing.T) map[string]int {
		var log syncBuffer
		cmd := exec.Command(bin)
		cmd.Stdout, cmd.Stderr = &log, &log
		p := startAndSettle(t, cmd, &log, func(ctx context.Context) error {
			changeLoAction(t, "add")
			return control.Send(ctx, "/run/udev/control", "settle", "")
		})
		before := rollup(t, p)
		time.Sleep(rest)
		after := rollup(t, p)
		if after["Pss_File:"] >= before["Pss_File:"] {
			t.Errorf("udevd's image was not paged out at rest: Pss_File %d kB after %s, %d kB before",
				after["Pss_File:"], rest, before["Pss_File:"])
		}
		return after
	}
	theirs := func(t *testing.T) map[string]int {
		var log syncBuffer
		// Debian's udevadm is systemd-udevd when called so (the package's link).
		cmd := exec.Command(filepath.Join(root, "bin/udevadm"))
		cmd.Args[0] = "systemd-udevd"
		cmd.Stdout, cmd.Stderr = &log, &log
		p := startAndSettle(t, cmd, &log, func(ctx context.Context) error {
			changeLoAction(t, "add")
			settle := exec.CommandContext(ctx, filepath.Join(root, "bin/udevadm"), "settle", "--timeout=30")
			if out, err := settle.CombinedOutput(); err != nil {
				return fmt.Errorf("udevadm settle: %v: %s", err, out)
			}
			return nil
		})
		time.Sleep(rest)
		return rollup(t, p)
	}
	o := ours(t)
	s := theirs(t)
	t.Logf("PSS at rest: udevd %d kB (anonymous %d, file %d), systemd-udevd %d kB (anonymous %d, file %d)",
		o["Pss:"], o["Pss_Anon:"], o["Pss_File:"], s["Pss:"], s["Pss_Anon:"], s["Pss_File:"])
}

// installDebianRules puts Debian 12's 32 rules files into /run/udev/rules.d (the namespace's own /run).
func installDebianRules(t *testing.T) {
	t.Helper()
	if err := os.RemoveAll("/run/udev"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("/run/udev/rules.d", 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../rules/testdata/debian-bookworm-udev/*.rules")
	if len(files) != 32 {
		t.Fatalf("Debian's rules: %d files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("/run/udev/rules.d", filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startAndSettle starts a udev daemon, waits for its control socket, runs coldplug (which waits until the events
// are processed) and returns the daemon's pid; the daemon is killed when the test ends.
func startAndSettle(t *testing.T, cmd *exec.Cmd, log *syncBuffer, coldplug func(context.Context) error) int {
	t.Helper()
	_ = os.Remove("/run/udev/control")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", cmd.Args[0], log.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, err := os.Stat("/run/udev/control"); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%s made no control socket", cmd.Args[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := coldplug(ctx); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func changeLoAction(t *testing.T, action string) {
	t.Helper()
	if err := os.WriteFile("/sys/class/net/lo/uevent", []byte(action), 0); err != nil {
		t.Fatal(err)
	}
}

// rollup reads the kB fields of a process's smaps_rollup.
func rollup(t *testing.T, pid int) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, k := range []string{"Pss:", "Pss_Anon:", "Pss_File:"} {
		m[k] = memField(t, fmt.Sprintf("/proc/%d/smaps_rollup", pid), k)
	}
	return m
}
