package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/internal/debian"
	"github.com/sysmaster/sysmaster/udevd/rules"
)

// nsEnv marks the test binary re-executed in its own mount and network namespaces.
const nsEnv = "UDEVD_TEST_NS"

// TestMain runs the tests in a new network namespace (its uevents for "lo" reach only udevd and monitors inside
// it; the host's udev, if any, sees nothing) and mount namespace, with a sysfs of that network namespace on /sys,
// a private tmpfs on /run and one on /dev (so the rules' links and nodes stay inside; the host's /dev stays
// reachable at /run/hostdev for attaching loop devices), and empty rules directories. Debian's udevadm and pyudev are fetched first, outside
// (the namespace has no network).
func TestMain(m *testing.M) {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.fuzz") {
			// The fuzz engine and its workers (which it talks to over pipes): the fuzz targets need no namespace.
			os.Exit(m.Run())
		}
	}
	if os.Getenv(nsEnv) == "" {
		if os.Geteuid() != 0 {
			fmt.Fprintln(os.Stderr, "udevd/daemon tests need root (namespaces, sysfs, netlink)")
			os.Exit(1)
		}
		fetchErr := fetchDebian()
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), nsEnv+"=1", "UDEVD_TEST_FETCH_ERROR="+fetchErr)
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET,
			Pdeathsig: syscall.SIGKILL}
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				os.Exit(ee.ExitCode())
			}
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if err := setupNamespace(); err != nil {
		fmt.Fprintln(os.Stderr, "namespace setup:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func setupNamespace() error {
	steps := []func() error{
		func() error { return unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "") },
		func() error { return unix.Mount("sysfs", "/sys", "sysfs", 0, "") },
		func() error { return unix.Mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") },
		func() error { return os.MkdirAll("/run/hostdev", 0o755) },
		func() error { return unix.Mount("/dev", "/run/hostdev", "", unix.MS_BIND, "") },
		func() error { return unix.Mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755") },
		func() error { return unix.Mknod("/dev/null", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))) },
		func() error { return os.Chmod("/dev/null", 0o666) },
		func() error { return unix.Mknod("/dev/zero", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 5))) },
	}
	// The host's rules stay out: a udevd of the tests (the binary reads the default directories) runs only the
	// tests' rules, and nothing of the host's (device-mapper's programs, say) on the block events that reach
	// every network namespace.
	for _, d := range rules.DefaultDirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			steps = append(steps, func() error { return unix.Mount("tmpfs", d, "tmpfs", unix.MS_RDONLY, "") })
		}
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

func fetchDebian() string {
	if err := debian.Fetch(); err != nil {
		return err.Error()
	}
	return ""
}

func needDebian(t *testing.T) string {
	t.Helper()
	if e := os.Getenv("UDEVD_TEST_FETCH_ERROR"); e != "" {
		t.Fatalf("fetching Debian's udevadm and pyudev: %s", e)
	}
	return debian.Root()
}
