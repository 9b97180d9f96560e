package pid1

import (
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// What systemd's PID 1 does for a real machine before its manager starts, and Debian relies on: the hostname
// from /etc/hostname, the loopback interface up, /etc/machine-id initialised (and the first boot told from it),
// the modules it loads early. Each step is done once per boot (not when init resumes after a re-exec), on a real
// boot only: in a container they belong to the container's manager, whose namespaces may be the host's. A step
// that fails is logged and the boot goes on.

// FirstBootMarker exists on a machine's first boot (its /etc/machine-id was missing, empty or "uninitialized"
// when init started), for the core's presets and ConditionFirstBoot=: once init has initialised
// /etc/machine-id it no longer tells. systemd keeps the same mark in /run/systemd/first-boot.
const FirstBootMarker = "/run/sysmaster/first-boot"

// earlyModules are loaded before the core starts, as systemd's kmod_setup does when they are not built in:
// autofs4 for automount units, ip_tables for firewall rules set up by units before any module loader runs.
var earlyModules = []string{"autofs4", "ip_tables"}

func bootSetup() {
	mountMachine()
	first := machineIDSetup("/etc/machine-id", "/run/machine-id")
	if first {
		err := os.MkdirAll("/run/sysmaster", 0o755)
		if err == nil {
			err = os.WriteFile(FirstBootMarker, nil, 0o444)
		}
		if err != nil {
			logf("first boot, but cannot mark it: %v", err)
		} else {
			logf("first boot (there was no machine ID)")
		}
	}
	hostnameSetup("/etc/hostname")
	if err := loopbackUp(); err != nil {
		logf("cannot bring up the loopback interface: %v", err)
	}
	loadModules(earlyModules)
}

// machineIDSetup makes path hold a machine ID and reports whether this is the first boot (none was there). A
// missing ID is made from /sys/class/dmi/id/product_uuid when the firmware gives one, else at random, and
// written to path; when path exists but is empty (an image made for first boot) or cannot be written, the ID is
// written to run and bind-mounted over path, as systemd does, for systemd-machine-id-commit.service to make
// permanent once the root is writable.
func machineIDSetup(path, run string) (first bool) {
	b, err := os.ReadFile(path)
	id := strings.TrimSpace(string(b))
	if err == nil && validMachineID(id) {
		return false
	}
	id = newMachineID()
	if os.IsNotExist(err) {
		if werr := os.WriteFile(path, []byte(id+"\n"), 0o444); werr == nil {
			logf("initialised %s: %s", path, id)
			return true
		}
	}
	if err := os.WriteFile(run, []byte(id+"\n"), 0o444); err != nil {
		logf("cannot write %s: %v", run, err)
		return true
	}
	if err := unix.Mount(run, path, "", unix.MS_BIND, ""); err != nil {
		logf("cannot mount the machine ID over %s: %v", path, err)
		return true
	}
	logf("machine ID %s (transient, in %s)", id, run)
	return true
}

func validMachineID(id string) bool {
	if len(id) != 32 || id == strings.Repeat("0", 32) {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// newMachineID is the firmware's product UUID (a VM's, stable across boots) when there is a valid one, else a
// random UUIDv4, as 32 lower-case hex digits.
func newMachineID() string {
	if b, err := os.ReadFile("/sys/class/dmi/id/product_uuid"); err == nil {
		id := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(string(b)), "-", ""))
		if validMachineID(id) {
			return id
		}
	}
	u := make([]byte, 16)
	// getrandom(2) waits for the kernel's generator to be seeded, and 16 bytes come whole (a signal may cut the
	// wait short: then /dev/urandom). init does not link crypto/rand for this.
	if n, err := unix.Getrandom(u, 0); err != nil || n != len(u) {
		if f, err := os.Open("/dev/urandom"); err == nil {
			io.ReadFull(f, u)
			f.Close()
		}
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return hex.EncodeToString(u)
}

// hostnameSetup sets the kernel's hostname from path, or to "localhost" when there is none and the kernel's is
// unset, as systemd does.
func hostnameSetup(path string) {
	name := readHostname(path)
	if name == "" {
		var u unix.Utsname
		if err := unix.Uname(&u); err == nil {
			if cur := unix.ByteSliceToString(u.Nodename[:]); cur != "" && cur != "(none)" {
				return
			}
		}
		name = "localhost"
	}
	if err := unix.Sethostname([]byte(name)); err != nil {
		logf("cannot set the hostname to %q: %v", name, err)
		return
	}
	logf("hostname set to %s", name)
}

// readHostname is the first line of path that is neither empty nor a comment; "" when there is none or it is
// not a valid hostname (at most 64 bytes of letters, digits, '-' and '.').
func readHostname(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if len(l) > 64 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != "" {
			logf("%s: %q is not a valid hostname; ignoring it", path, l)
			return ""
		}
		return l
	}
	return ""
}

// loopbackUp brings lo up; the kernel gives it 127.0.0.1/8 and ::1 as it comes up.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	flags := ifr.Uint16()
	if flags&unix.IFF_UP != 0 {
		return nil
	}
	ifr.SetUint16(flags | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// loadModules runs modprobe for modules not loaded or built in yet; a system without modprobe or the modules
// goes on without them.
func loadModules(mods []string) {
	path, err := exec.LookPath("modprobe")
	if err != nil {
		for _, p := range []string{"/sbin/modprobe", "/usr/sbin/modprobe"} {
			if _, serr := os.Stat(p); serr == nil {
				path = p
			}
		}
	}
	if path == "" {
		return
	}
	for _, m := range mods {
		if _, err := os.Stat("/sys/module/" + m); err == nil {
			continue
		}
		cmd := exec.Command(path, "-bq", m)
		if err := cmd.Start(); err != nil {
			logf("cannot run modprobe %s: %v", m, err)
			continue
		}
		// init is the reaper of every process; wait for this one with a bound, so that a stuck modprobe does
		// not hold up the boot.
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				logf("modprobe %s: %v", m, err)
			}
		case <-time.After(10 * time.Second):
			logf("modprobe %s did not finish in 10s; going on", m)
		}
	}
}
