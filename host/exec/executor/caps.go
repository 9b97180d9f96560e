package executor

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// capNames are the kernel's capabilities, by number.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// capByName accepts "CAP_NET_RAW", "net_raw" or a number.
func capByName(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < 64 {
		return n, nil
	}
	u := strings.ToUpper(name)
	if !strings.HasPrefix(u, "CAP_") {
		u = "CAP_" + u
	}
	for i, c := range capNames {
		if c == u {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown capability %q", name)
}

func capMask(names []string) (uint64, error) {
	var m uint64
	for _, n := range names {
		c, err := capByName(n)
		if err != nil {
			return 0, err
		}
		m |= 1 << uint(c)
	}
	return m, nil
}

// lastCap is the highest capability the running kernel knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return n
		}
	}
	return len(capNames) - 1
}

// The following act on the calling thread only: the executor calls them on its locked thread, the one that
// execs.

// dropBounding drops every capability not in keep from the bounding set.
func dropBounding(keep uint64) error {
	for c := 0; c <= lastCap(); c++ {
		if keep&(1<<uint(c)) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
			return fmt.Errorf("drop %s from the bounding set: %w", capName(c), err)
		}
	}
	return nil
}

func capName(c int) string {
	if c < len(capNames) {
		return capNames[c]
	}
	return "cap " + strconv.Itoa(c)
}

type capSets struct{ effective, permitted, inheritable uint64 }

func capGet() (capSets, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return capSets{}, err
	}
	return capSets{
		effective:   uint64(data[0].Effective) | uint64(data[1].Effective)<<32,
		permitted:   uint64(data[0].Permitted) | uint64(data[1].Permitted)<<32,
		inheritable: uint64(data[0].Inheritable) | uint64(data[1].Inheritable)<<32,
	}, nil
}

func capSet(s capSets) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	data := [2]unix.CapUserData{
		{Effective: uint32(s.effective), Permitted: uint32(s.permitted), Inheritable: uint32(s.inheritable)},
		{Effective: uint32(s.effective >> 32), Permitted: uint32(s.permitted >> 32), Inheritable: uint32(s.inheritable >> 32)},
	}
	return unix.Capset(&hdr, &data[0])
}

// raiseAmbient makes the capabilities in ambient inheritable and raises them in the ambient set, so that they
// survive execve of a non-root process. With dropOthers (a process that changed to a non-root user) the
// permitted and effective sets are cut down to ambient as well.
func raiseAmbient(ambient uint64, dropOthers bool) error {
	cur, err := capGet()
	if err != nil {
		return err
	}
	want := cur
	want.inheritable |= ambient
	if dropOthers {
		want = capSets{effective: ambient, permitted: ambient, inheritable: ambient}
	}
	if err := capSet(want); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	for c := 0; c < 64; c++ {
		if ambient&(1<<uint(c)) == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			return fmt.Errorf("raise ambient %s: %w", capName(c), err)
		}
	}
	return nil
}

// sandboxDrops are the capabilities the sandbox takes out of the bounding set, as systemd does: PrivateDevices=
// CAP_MKNOD and CAP_SYS_RAWIO, ProtectKernelModules= CAP_SYS_MODULE, ProtectKernelLogs= CAP_SYSLOG,
// ProtectClock= CAP_SYS_TIME and CAP_WAKE_ALARM.
func sandboxDrops(sb *Sandbox) uint64 {
	var drop uint64
	if sb == nil {
		return 0
	}
	if sb.PrivateDevices {
		drop |= 1<<unix.CAP_MKNOD | 1<<unix.CAP_SYS_RAWIO
	}
	if sb.ProtectKernelModules {
		drop |= 1 << unix.CAP_SYS_MODULE
	}
	if sb.ProtectKernelLogs {
		drop |= 1 << unix.CAP_SYSLOG
	}
	if sb.ProtectClock {
		drop |= 1<<unix.CAP_SYS_TIME | 1<<unix.CAP_WAKE_ALARM
	}
	return drop
}
