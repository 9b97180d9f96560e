package transient

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/bytesize"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// ParseAssignment turns one argument of systemctl set-property ("MemoryMax=1G", the unit file's syntax) into the
// property systemctl sends to SetUnitProperties for it (systemd's bus_append_unit_property_assignment): CPUQuota=
// becomes CPUQuotaPerSecUSec, sizes bytes, "infinity" and an empty value UINT64_MAX. Only what Settable allows is
// taken; anything else is an InvalidArgument error naming the property, with systemctl's wording.
func ParseAssignment(a string) (Property, error) {
	key, value, ok := strings.Cut(a, "=")
	if !ok || key == "" {
		return Property{}, errdefs.InvalidArgument(fmt.Errorf("Not an assignment: %s", a))
	}
	name := key
	if key == "CPUQuota" {
		name = "CPUQuotaPerSecUSec"
	}
	if d, ok := directives[name]; !ok || !Settable(name) || d.key != "" && d.key != key || d.key == "" && name != key {
		return Property{}, unknown(key)
	}
	if _, err := escape(value); err != nil { // what a drop-in line cannot hold (DropIns would refuse it)
		return Property{}, errdefs.InvalidArgument(fmt.Errorf("Failed to parse %s= value: %v", key, err))
	}
	v, err := assignmentValue(name, strings.TrimSpace(value))
	if err != nil {
		return Property{}, errdefs.InvalidArgument(fmt.Errorf("Failed to parse %s= value '%s': %v", key, value, err))
	}
	return Property{Name: name, Value: v}, nil
}

// assignmentValue is value as the Go type of property name's D-Bus signature.
func assignmentValue(name, value string) (any, error) {
	switch name {
	case "Description":
		return value, nil
	case "CPUAccounting", "MemoryAccounting", "TasksAccounting", "IOAccounting", "Delegate":
		return unitfile.ParseBool(value)
	case "CPUQuotaPerSecUSec":
		if value == "" {
			return uint64(math.MaxUint64), nil
		}
		pm, err := permyriad(value)
		if err != nil || pm == 0 {
			return nil, fmt.Errorf("not a percentage above 0%%")
		}
		return pm * 100, nil // 1% is 10000 µs of CPU time per second
	case "CPUWeight", "StartupCPUWeight", "IOWeight", "StartupIOWeight":
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil || n < 1 || n > 10000 {
			return nil, fmt.Errorf("not a weight between 1 and 10000")
		}
		return n, nil
	case "TasksMax":
		if value == "" || value == "infinity" {
			return uint64(math.MaxUint64), nil
		}
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("not a number of tasks above 0 or \"infinity\"")
		}
		return n, nil
	}
	return memoryValue(value) // MemoryMin, MemoryLow, MemoryHigh, MemoryMax, MemorySwapMax
}

// memoryValue is a size (K, M, G… base 1024), a percentage of physical memory, or "infinity" (also an empty
// value, which resets the limit).
func memoryValue(value string) (uint64, error) {
	switch {
	case value == "" || value == "infinity":
		return math.MaxUint64, nil
	case strings.HasSuffix(value, "%"):
		pm, err := permyriad(value)
		if err != nil || pm > 10000 {
			return 0, fmt.Errorf("not a percentage between 0%% and 100%%")
		}
		var si unix.Sysinfo_t
		if err := unix.Sysinfo(&si); err != nil {
			return 0, fmt.Errorf("cannot read the physical memory size: %v", err)
		}
		total := uint64(si.Totalram) * uint64(si.Unit)
		return total / 10000 * pm, nil
	}
	n, err := bytesize.Parse(value)
	if err != nil {
		return 0, fmt.Errorf("not a size, percentage or \"infinity\"")
	}
	return n, nil
}

// permyriad parses "N%" or "N.NN%" into 1/10000 units.
func permyriad(v string) (uint64, error) {
	num, ok := strings.CutSuffix(v, "%")
	whole, frac, _ := strings.Cut(num, ".")
	if !ok || whole == "" || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a percentage", v)
	}
	w, err := strconv.ParseUint(whole, 10, 32)
	if err != nil {
		return 0, err
	}
	f, _ := strconv.ParseUint((frac + "00")[:2], 10, 32)
	return w*100 + f, nil
}
