package manager

import (
	"os"
	"strings"
)

// DefaultUnitFromCommandLine returns the unit named by sysmaster.unit= in args (init passes its own arguments,
// which a container runtime or the kernel sets) or, on a real boot, in the kernel command line; "" when none.
// In a container /proc/cmdline is the host's, so it is not read there.
func DefaultUnitFromCommandLine(args []string) string {
	unit := lastUnit(args)
	if unit == "" && realBoot() {
		if b, err := os.ReadFile("/proc/cmdline"); err == nil {
			unit = lastUnit(strings.Fields(string(b)))
		}
	}
	return unit
}

func lastUnit(words []string) string {
	unit := ""
	for _, w := range words {
		if v, ok := strings.CutPrefix(w, "sysmaster.unit="); ok {
			unit = v
		}
	}
	return unit
}

// realBoot: only the initial PID namespace has kernel threads, and kthreadd is always pid 2 there.
func realBoot() bool {
	b, err := os.ReadFile("/proc/2/stat")
	return err == nil && strings.Contains(string(b), "(kthreadd)")
}
