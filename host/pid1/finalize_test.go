package pid1

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFinalizer runs the final stage's loop in a mount namespace of its own (a re-executed test binary) over
// what a shutdown meets: a tmpfs with an ext4 loop device mounted inside it, a swap file on that ext4 (which
// keeps it busy until the swap is off: a second round), and a tmpfs that a process keeps busy (detached lazily).
// Afterwards nothing is mounted there, the swap is off, the loop device is detached and the ext4 image is clean.
func TestFinalizer(t *testing.T) {
	if os.Getenv("FINALIZER_TEST_HELPER") == "1" {
		finalizerHelper(t)
		return
	}
	if os.Getuid() != 0 {
		t.Skip("mounting needs root")
	}
	for _, tool := range []string{"unshare", "losetup", "mkfs.ext4", "mkswap", "e2fsck", "debugfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	run(t, "truncate", "-s", "48M", img)
	run(t, "mkfs.ext4", "-q", "-F", img)
	// Whatever happens, the machine is left without the helper's loop device and swap.
	t.Cleanup(func() {
		exec.Command("swapoff", filepath.Join(dir, "a", "disk", "swap")).Run()
		if out, _ := exec.Command("losetup", "-j", img, "-O", "NAME", "-n").Output(); len(out) > 0 {
			exec.Command("losetup", "-d", strings.TrimSpace(string(out))).Run()
		}
	})
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", os.Args[0], "-test.run", "^TestFinalizer$", "-test.v")
	cmd.Env = append(os.Environ(), "FINALIZER_TEST_HELPER=1", "FINALIZER_TEST_DIR="+dir)
	out, err := cmd.CombinedOutput()
	t.Logf("helper:\n%s", out)
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	if got := run(t, "losetup", "-j", img); got != "" {
		t.Errorf("the loop device is still attached: %s", got)
	}
	if out, err := exec.Command("e2fsck", "-fn", img).CombinedOutput(); err != nil {
		t.Errorf("e2fsck -fn: %v\n%s", err, out)
	}
	// debugfs prints its banner on stderr, the file on stdout.
	if got, err := exec.Command("debugfs", "-R", "cat /data", img).Output(); err != nil || string(got) != "written before the shutdown" {
		t.Errorf("/data on the image holds %q (%v)", got, err)
	}
}

func finalizerHelper(t *testing.T) {
	dir := os.Getenv("FINALIZER_TEST_DIR")
	a, disk, busy := filepath.Join(dir, "a"), filepath.Join(dir, "a", "disk"), filepath.Join(dir, "busy")
	swap := filepath.Join(disk, "swap")
	for _, d := range []string{a, busy} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "mount", "-t", "tmpfs", "tmpfs", a)
	dev := run(t, "losetup", "--find", "--show", filepath.Join(dir, "disk.img"))
	if err := os.Mkdir(disk, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "mount", dev, disk)
	if err := os.WriteFile(filepath.Join(disk, "data"), []byte("written before the shutdown"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "dd", "if=/dev/zero", "of="+swap, "bs=1M", "count=16", "status=none")
	run(t, "chmod", "600", swap)
	run(t, "mkswap", "-q", swap)
	run(t, "swapon", swap)
	run(t, "mount", "-t", "tmpfs", "tmpfs", busy)
	held, err := os.Create(filepath.Join(busy, "held"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	under := func(p string) bool { return strings.HasPrefix(p, dir+"/") }
	finalizer{keep: func(p string) bool { return !under(p) }, mine: under}.run()

	for _, m := range mounts() {
		if under(m.Point) {
			t.Errorf("%s is still mounted", m.Point)
		}
	}
	if b, _ := os.ReadFile("/proc/swaps"); strings.Contains(string(b), swap) {
		t.Errorf("the swap is still on:\n%s", b)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
