package exec

import (
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/sdk"
)

// ioprioClasses are IOSchedulingClass='s names with the kernel's IOPRIO_CLASS_* values.
var ioprioClasses = map[string]int32{"none": 0, "realtime": 1, "best-effort": 2, "idle": 3}

// ioSched is IOSchedulingClass= and IOSchedulingPriority= until finishExec combines them.
type ioSched struct {
	class, prio       int32
	classSet, prioSet bool
}

// ioprio returns the kernel's ioprio value as systemd computes it: best-effort 4 unless said otherwise, "none"
// meaning that, and idle without a priority.
func (s ioSched) ioprio() (int32, bool) {
	if !s.classSet && !s.prioSet {
		return 0, false
	}
	class, prio := int32(2), int32(4)
	if s.classSet && s.class != 0 {
		class = s.class
	}
	if s.prioSet {
		prio = s.prio
	}
	if class == 3 {
		prio = 0
	}
	return class<<13 | prio, true
}

func (p *Parser) ioSchedulingClass(e *sdk.Entry) {
	if e.Value == "" {
		p.io.classSet = false
		return
	}
	c, ok := ioprioClasses[e.Value]
	if n, err := strconv.Atoi(e.Value); err == nil && n >= 0 && n <= 3 {
		c, ok = int32(n), true
	}
	if !ok {
		p.Bad(e, "expected realtime, best-effort, idle or none")
		return
	}
	p.io.class, p.io.classSet = c, true
}

func (p *Parser) ioSchedulingPriority(e *sdk.Entry) {
	n, set, ok := p.IntRange(e, 0, 7)
	if ok {
		p.io.prio, p.io.prioSet = int32(n), set
	}
}

// maxCPU is the highest CPU number CPUAffinity= accepts (systemd's limit of 8192 CPUs).
const maxCPU = 8191

// cpuAffinity parses CPU numbers and ranges ("0-3 5,7"); assignments add up, an empty one resets.
func (p *Parser) cpuAffinity(e *sdk.Entry) {
	if strings.TrimSpace(e.Value) == "" {
		p.x.Exec.CPUAffinity = nil
		return
	}
	if e.Value == "numa" {
		p.Res.Warnf(e, p.Section, e.Key, "CPUAffinity=numa is not supported by sysmaster and is not enforced, ignoring.")
		return
	}
	var add []uint32
	for _, w := range strings.FieldsFunc(e.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		lo, hi, isRange := strings.Cut(w, "-")
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 32)
		}
		if err1 != nil || err2 != nil || a > b || b > maxCPU {
			p.Bad(e, "%q is not a CPU number or range up to %d", w, maxCPU)
			return
		}
		for c := a; c <= b; c++ {
			add = append(add, uint32(c))
		}
	}
	for _, c := range add {
		if !containsCPU(p.x.Exec.CPUAffinity, c) {
			p.x.Exec.CPUAffinity = append(p.x.Exec.CPUAffinity, c)
		}
	}
}

func containsCPU(list []uint32, c uint32) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}
