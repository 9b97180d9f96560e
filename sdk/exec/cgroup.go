package exec

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/bytesize"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
)

// cgroupControllers are the names Delegate= accepts in a list (man systemd.resource-control).
var cgroupControllers = []string{"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
	"bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces"}

// cgroupDirectives are the keys of man systemd.resource-control that set CgroupConfig.Cgroup.
func cgroupDirectives() map[string]handler {
	return map[string]handler{
		"MemoryMax":  func(p *Parser, e *sdk.Entry) { p.memory(e, &p.g.Cgroup.MemoryMax) },
		"MemoryHigh": func(p *Parser, e *sdk.Entry) { p.memory(e, &p.g.Cgroup.MemoryHigh) },
		"CPUQuota":   (*Parser).cpuQuota,
		"CPUWeight": func(p *Parser, e *sdk.Entry) {
			p.g.CPUWeightIdle = false
			if e.Value == "idle" {
				p.g.Cgroup.CPUWeight, p.g.CPUWeightIdle = 1, true
				return
			}
			p.weight(e, &p.g.Cgroup.CPUWeight)
		},
		"IOWeight": func(p *Parser, e *sdk.Entry) { p.weight(e, &p.g.Cgroup.IOWeight) },
		"TasksMax": (*Parser).tasksMax,
		"Delegate": (*Parser).delegate,
		"Slice":    (*Parser).slice,
	}
}

// slice takes Slice=: a slice name whose place the name gives ("a-b.slice"); an empty value restores the default.
// Another name is a warning and ignored, as systemd ignores a slice it cannot load.
func (p *Parser) slice(e *sdk.Entry) {
	v := strings.TrimSpace(e.Value)
	if v != "" && (!unitname.SliceValid(v) || v == unitname.RootSlice) {
		p.Res.Warnf(e, p.Section, e.Key, "Slice=%q is not a valid slice unit name, ignoring.", v)
		return
	}
	p.g.Slice = v
}

// memory parses a size (K, M, G, T… base 1024), "infinity", or a percentage of physical memory; an empty
// value unsets. MemoryMax=0 cannot be told from unset in CgroupSettings and is refused.
func (p *Parser) memory(e *sdk.Entry, dst *uint64) {
	v := strings.TrimSpace(e.Value)
	switch {
	case v == "":
		*dst = 0
	case v == "infinity":
		*dst = math.MaxUint64
	case strings.HasSuffix(v, "%"):
		pm, err := parsePermyriad(v)
		if err != nil || pm > 10000 {
			p.Bad(e, "not a percentage between 0%% and 100%%")
			return
		}
		total, err := p.Env.Memory()
		if err != nil {
			p.Bad(e, "cannot read the physical memory size: %v", err)
			return
		}
		*dst = scale(total, pm)
	default:
		n, err := bytesize.Parse(v)
		if err != nil {
			p.Bad(e, "not a size, percentage or \"infinity\"")
			return
		}
		*dst = n
	}
	if *dst == 0 && v != "" {
		p.Bad(e, "a limit of 0 bytes is not supported")
	}
}

// parsePermyriad parses "N%", "N.N%" (up to two decimals) into 1/10000 units.
func parsePermyriad(v string) (uint64, error) {
	num := strings.TrimSuffix(v, "%")
	whole, frac, _ := strings.Cut(num, ".")
	if whole == "" || len(frac) > 2 || !isDigits(whole) || !isDigits(frac) {
		return 0, fmt.Errorf("%q is not a percentage", v)
	}
	w, err := strconv.ParseUint(whole, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", v)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseUint(frac, 10, 32)
	return w*100 + f, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scale returns total * pm / 10000 without overflow (pm at most 10000).
func scale(total, pm uint64) uint64 {
	hi, lo := bits.Mul64(total, pm)
	q, _ := bits.Div64(hi, lo, 10000)
	return q
}

// cpuQuota takes a percentage of one CPU's time (above 100% for several CPUs) and stores microseconds of CPU
// time per second; an empty value unsets.
func (p *Parser) cpuQuota(e *sdk.Entry) {
	v := strings.TrimSpace(e.Value)
	if v == "" {
		p.g.Cgroup.CPUQuotaPerSecUSec = 0
		return
	}
	pm, err := parsePermyriad(v)
	if err != nil || !strings.HasSuffix(v, "%") || pm == 0 {
		p.Bad(e, "not a percentage above 0%%")
		return
	}
	p.g.Cgroup.CPUQuotaPerSecUSec = pm * 100 // 1% is 10000 µs per second
}

// weight parses 1..10000; an empty value unsets.
func (p *Parser) weight(e *sdk.Entry, dst *uint64) {
	if e.Value == "" {
		*dst = 0
		return
	}
	n, err := strconv.ParseUint(e.Value, 10, 64)
	if err != nil || n < 1 || n > 10000 {
		p.Bad(e, "not a weight between 1 and 10000")
		return
	}
	*dst = n
}

// tasksMax takes a number, "infinity", or a percentage of kernel.pid_max; an empty value unsets.
func (p *Parser) tasksMax(e *sdk.Entry) {
	v := strings.TrimSpace(e.Value)
	switch {
	case v == "":
		p.g.Cgroup.TasksMax = 0
	case v == "infinity":
		p.g.Cgroup.TasksMax = math.MaxUint64
	case strings.HasSuffix(v, "%"):
		pm, err := parsePermyriad(v)
		if err != nil || pm == 0 || pm > 10000 {
			p.Bad(e, "not a percentage between 0%% and 100%%")
			return
		}
		pidMax, err := p.Env.PidMax()
		if err != nil {
			p.Bad(e, "cannot read kernel.pid_max: %v", err)
			return
		}
		p.g.Cgroup.TasksMax = max(1, scale(pidMax, pm))
	default:
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			p.Bad(e, "not a positive number, percentage or \"infinity\"")
			return
		}
		p.g.Cgroup.TasksMax = n
	}
}

// delegate takes a boolean or a list of controllers, which means yes; an empty value (an empty list) is yes.
func (p *Parser) delegate(e *sdk.Entry) {
	if b, err := unitfile.ParseBool(e.Value); err == nil {
		p.g.Cgroup.Delegate = b
		return
	}
	for _, w := range strings.Fields(e.Value) {
		if !contains(cgroupControllers, w) {
			p.Res.Warnf(e, p.Section, e.Key, "Delegate=%q: unknown controller %q, ignoring it", e.Value, w)
		}
	}
	p.g.Cgroup.Delegate = true
}
