package event

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/device"
	"github.com/sysmaster/sysmaster/udevd/rules"
)

// runnerEnv makes the test binary act as systemd's test-udev-rule-runner: in its own mount namespace, with the
// fake tree bound over /sys, /dev and /run, it processes one event and exits.
const runnerEnv = "UDEVD_TEST_RULE_RUNNER"

func TestMain(m *testing.M) {
	if root := os.Getenv(runnerEnv); root != "" {
		if err := ruleRunner(root, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "rule runner:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ruleRunner is test-udev-rule-runner: args are ACTION DEVPATH [DELAY_µs].
func ruleRunner(root string, args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: ACTION DEVPATH [DELAY_US]")
	}
	for _, b := range [][2]string{{"tmpfs/sys", "/sys"}, {"tmpfs/dev", "/dev"}, {"run", "/run"}} {
		if err := unix.Mount(filepath.Join(root, b[0]), b[1], "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s: %w", b[1], err)
		}
	}
	if len(args) > 2 {
		us, _ := strconv.Atoi(args[2])
		time.Sleep(time.Duration(us) * time.Microsecond)
	}
	dev, err := device.Sysfs{}.New(args[1])
	if err != nil {
		return err
	}
	dev.SetUeventProperty("ACTION", args[0])
	// What devtmpfs usually provides: the node, mode 0600.
	if dev.Devname != "" && dev.HasDevnum {
		if args[0] == "remove" {
			_ = os.Remove(dev.Devname)
		} else {
			typ := uint32(unix.S_IFCHR)
			if dev.Subsystem == "block" {
				typ = unix.S_IFBLK
			}
			_ = os.MkdirAll(filepath.Dir(dev.Devname), 0o755)
			err := unix.Mknod(dev.Devname, typ|0o600, int(unix.Mkdev(uint32(dev.Major), uint32(dev.Minor))))
			if err != nil && err != unix.EEXIST {
				return fmt.Errorf("mknod %s: %w", dev.Devname, err)
			}
		}
	}
	rs, diags := rules.Load([]string{"/run"})
	for _, d := range diags {
		fmt.Fprintln(os.Stderr, d)
	}
	p := &Processor{Rules: rs, Timeout: 3 * time.Second, Log: func(s string) { fmt.Fprintln(os.Stderr, s) }}
	ev, err := p.Process(context.Background(), dev)
	if err != nil {
		fmt.Fprintln(os.Stderr, "process:", err)
	}
	p.Run(context.Background(), ev)
	return nil
}

type udevCase struct {
	ID                    int    `json:"id"`
	Desc                  string `json:"desc"`
	Rules                 string `json:"rules"`
	Repeat                int    `json:"repeat"`
	DelayUsPerDeviceIndex int    `json:"delay_us_per_device_index"`
	Devices               []struct {
		Devpath       string   `json:"devpath"`
		Devnode       string   `json:"devnode"`
		ExpLinks      []string `json:"exp_links"`
		NotExpLinks   []string `json:"not_exp_links"`
		ExpPerms      string   `json:"exp_perms"`
		ExpMajorMinor string   `json:"exp_major_minor"`
	} `json:"devices"`
}

// TestUdevRules runs systemd's test-udev.py rule sets: for each set, every device is added (in parallel, each in
// a runner process of its own), its node, permissions and symlinks checked, then removed and checked gone.
func TestUdevRules(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("needs root: bind mounts in a mount namespace")
	}
	b, err := os.ReadFile("../testdata/udev-test/udev-test-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct{ Cases []udevCase }
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	checks := 0
	for _, c := range data.Cases {
		checks += len(c.Devices)
	}
	if len(data.Cases) != 165 || checks != 201 {
		t.Fatalf("%d rule sets with %d device checks, want 165 and 201", len(data.Cases), checks)
	}
	root := t.TempDir()
	for _, d := range []string{"tmpfs/dev", "run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	unpackFixture(t, filepath.Join(root, "tmpfs"))
	if err := unix.Mknod(filepath.Join(root, "tmpfs/dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	for _, c := range data.Cases {
		t.Run(fmt.Sprintf("%03d-%s", c.ID, c.Desc), func(t *testing.T) { runCase(t, root, c) })
	}
}

func runCase(t *testing.T, root string, c udevCase) {
	if err := os.WriteFile(filepath.Join(root, "run/udev-test.rules"), []byte(c.Rules), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(root, "tmpfs/dev")
	repeat := max(c.Repeat, 1)
	for r := 0; r < repeat; r++ {
		runAll(t, root, c, "add")
		for _, d := range c.Devices {
			node := filepath.Join(dev, d.Devnode)
			var st unix.Stat_t
			if err := unix.Lstat(node, &st); err != nil {
				t.Fatalf("%s: node missing: %v", d.Devnode, err)
			}
			if st.Mode&unix.S_IFMT != unix.S_IFBLK && st.Mode&unix.S_IFMT != unix.S_IFCHR {
				t.Errorf("%s: not a device node (mode %o)", d.Devnode, st.Mode)
			}
			if d.ExpPerms != "" {
				checkPerms(t, d.Devnode, &st, d.ExpPerms)
			}
			if d.ExpMajorMinor != "" {
				got := fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
				if got != d.ExpMajorMinor {
					t.Errorf("%s: device number %s, want %s", d.Devnode, got, d.ExpMajorMinor)
				}
			}
			for _, l := range d.ExpLinks {
				if !pointsAt(filepath.Join(dev, l), node) {
					t.Errorf("%s: symlink %q missing or not pointing at the node", d.Devnode, l)
				}
			}
			for _, l := range d.NotExpLinks {
				if pointsAt(filepath.Join(dev, l), node) {
					t.Errorf("%s: symlink %q must not point at the node", d.Devnode, l)
				}
			}
		}
		runAll(t, root, c, "remove")
		for _, d := range c.Devices {
			if _, err := os.Lstat(filepath.Join(dev, d.Devnode)); err == nil {
				t.Errorf("%s: node still there after remove", d.Devnode)
			}
			for _, l := range d.ExpLinks {
				if _, err := os.Lstat(filepath.Join(dev, l)); err == nil {
					t.Errorf("%s: symlink %q still there after remove", d.Devnode, l)
				}
			}
		}
		if t.Failed() {
			return
		}
	}
}

// runAll runs the runner for every device of the case at once, as test-udev.py does. Where the original staggers
// the devices (device k after k×delay, so that a parent is in the database before its child looks), they run in
// order here, each after the previous one finished: the same order without depending on the machine's speed.
func runAll(t *testing.T, root string, c udevCase, action string) {
	run := func(i int) string {
		d := c.Devices[i]
		args := []string{action, d.Devpath}
		if c.DelayUsPerDeviceIndex > 0 {
			args = append(args, strconv.Itoa(i*c.DelayUsPerDeviceIndex))
		}
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), runnerEnv+"="+root)
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Sprintf("runner %s %s: %v: %s", action, d.Devpath, err, out.String())
		}
		if testing.Verbose() && out.Len() > 0 {
			t.Logf("runner %s %s:\n%s", action, d.Devnode, out.String())
		}
		return ""
	}
	errs := make([]string, len(c.Devices))
	if c.DelayUsPerDeviceIndex > 0 {
		for i := range c.Devices {
			errs[i] = run(i)
		}
	} else {
		var wg sync.WaitGroup
		for i := range c.Devices {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = run(i)
			}()
		}
		wg.Wait()
	}
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
}

// pointsAt says whether link is a symlink that resolves to node.
func pointsAt(link, node string) bool {
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		return false
	}
	got, err := filepath.EvalSymlinks(link)
	if err != nil {
		return false
	}
	return got == node
}

// checkPerms compares "user:group:mode" (names or numbers; an empty part is not checked).
func checkPerms(t *testing.T, name string, st *unix.Stat_t, want string) {
	t.Helper()
	parts := strings.SplitN(want, ":", 3)
	if len(parts) != 3 {
		t.Fatalf("bad exp_perms %q", want)
	}
	if parts[0] != "" {
		uid, err := strconv.Atoi(parts[0])
		if err != nil {
			u, err := user.Lookup(parts[0])
			if err != nil {
				t.Fatal(err)
			}
			uid, _ = strconv.Atoi(u.Uid)
		}
		if int(st.Uid) != uid {
			t.Errorf("%s: owner %d, want %s", name, st.Uid, parts[0])
		}
	}
	if parts[1] != "" {
		gid, err := strconv.Atoi(parts[1])
		if err != nil {
			g, err := user.LookupGroup(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			gid, _ = strconv.Atoi(g.Gid)
		}
		if int(st.Gid) != gid {
			t.Errorf("%s: group %d, want %s", name, st.Gid, parts[1])
		}
	}
	if parts[2] != "" {
		m, _ := strconv.ParseUint(parts[2], 8, 32)
		if uint64(st.Mode&0o7777) != m {
			t.Errorf("%s: mode %o, want %s", name, st.Mode&0o7777, parts[2])
		}
	}
}

// unpackFixture unpacks test-udev's fake sysfs tree as dir/sys.
func unpackFixture(tb testing.TB, dir string) {
	tb.Helper()
	fixture, _ := filepath.Abs("../testdata/udev-test/sysfs-fixture.tar.xz")
	if out, err := exec.Command("tar", "-xJf", fixture, "-C", dir).CombinedOutput(); err != nil {
		tb.Fatalf("unpacking the sysfs fixture: %v: %s", err, out)
	}
}
