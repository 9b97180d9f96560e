package timer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// environ is what the machine reads from outside the event: the clocks, the manager's start, the boot and
// machine IDs, randomness, and where the stamp files live. realEnviron is the system's; tests build their own.
type environ struct {
	// now reads CLOCK_REALTIME and CLOCK_MONOTONIC, in µs.
	now func() (real, mono uint64)
	// startup is the CLOCK_MONOTONIC time (µs) at which the manager's userspace started (OnStartupSec='s base).
	startup func() uint64
	// perturb is this boot's offset within a minute for coalescing elapses (sd-event's, from the boot ID).
	perturb func() uint64
	// fixedDelay is FixedRandomDelay='s stable number for a unit (the machine ID and the name hashed).
	fixedDelay func(unit string) uint64
	// random is a random number below n (RandomizedDelaySec=).
	random func(n uint64) uint64
	// stampDir holds the Persistent= stamps; systemdStampDir systemd's, taken over when a timer has none yet.
	stampDir, systemdStampDir string
	// reloadZone reads the local time zone again after a time zone change.
	reloadZone func()
}

var (
	realOnce sync.Once
	realEnv  *environ
)

// realEnviron is the system's environ; what never changes while the plugin runs is read once.
func realEnviron() *environ {
	realOnce.Do(func() {
		startup := managerStartup()
		perturb := bootPerturb()
		realEnv = &environ{
			now:             clocks,
			startup:         func() uint64 { return startup },
			perturb:         func() uint64 { return perturb },
			fixedDelay:      fixedDelay,
			random:          func(n uint64) uint64 { return rand.Uint64N(n) },
			stampDir:        StampDir,
			systemdStampDir: SystemdStampDir,
			reloadZone:      reloadZone,
		}
	})
	return realEnv
}

func clocks() (real, mono uint64) {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return uint64(time.Now().UnixMicro()), uint64(ts.Nano() / 1000)
}

// managerStartup is when the manager's userspace started: the start time of init, the parent of the core that
// launched this plugin (/proc/<pid>/stat field 22, in clock ticks since boot). The core itself may have been
// restarted since; init has not. When it cannot be read the plugin's own start is used.
func managerStartup() uint64 {
	// /proc/self, not our pid: /proc may be another PID namespace's mount (a test's namespace without its own).
	if core := statField("self", 4); core > 0 {
		if init := statField(strconv.FormatUint(core, 10), 4); init > 0 {
			if ticks := statField(strconv.FormatUint(init, 10), 22); ticks > 0 {
				return ticks * 1e6 / 100 // USER_HZ is 100 on Linux
			}
		}
	}
	_, mono := clocks()
	return mono
}

// statField is field n (1-based) of /proc/pid/stat, 0 when it cannot be read.
func statField(pid string, n int) uint64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces and parentheses
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:]) // starts with field 3
	if n-3 < 0 || n-3 >= len(f) {
		return 0
	}
	v, _ := strconv.ParseUint(f[n-3], 10, 64)
	return v
}

// bootPerturb is sd-event's perturbation: the boot ID's two halves xored, modulo a minute, so that every
// program of this boot coalesces its wake-ups at the same second of the minute.
func bootPerturb() uint64 {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return 0
	}
	id, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(string(b)), "-", ""))
	if err != nil || len(id) != 16 {
		return 0
	}
	return (binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])) % 60e6
}

// fixedDelay hashes the machine ID, the system manager's flag, uid 0 and the unit's name, as systemd does (with
// SHA-256 for its keyed SipHash: the delay is stable per machine and timer, not equal to systemd's).
func fixedDelay(unit string) uint64 {
	mid, _ := os.ReadFile("/etc/machine-id")
	h := sha256.New()
	h.Write([]byte(strings.TrimSpace(string(mid))))
	h.Write([]byte{1, 0, 0, 0, 0})
	h.Write([]byte(unit))
	return binary.LittleEndian.Uint64(h.Sum(nil))
}

// reloadZone replaces time.Local with the zone /etc/localtime names now.
func reloadZone() {
	if b, err := os.ReadFile("/etc/localtime"); err == nil {
		if loc, err := time.LoadLocationFromTZData("Local", b); err == nil {
			time.Local = loc
		}
	}
}
