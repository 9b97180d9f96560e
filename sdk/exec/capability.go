package exec

import (
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// capabilityNames are Linux's capabilities, by number (man capabilities(7)).
var capabilityNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// capSet is CapabilityBoundingSet= or AmbientCapabilities= as its assignments build it: the first assignment
// sets the mask (all but the listed ones with "~"), later ones add to it, or with "~" remove from it; an empty
// assignment makes it empty. set is false while no assignment was made.
type capSet struct {
	set  bool
	mask uint64
}

func capabilityBit(name string) (uint64, bool) {
	up := strings.ToUpper(name)
	if !strings.HasPrefix(up, "CAP_") {
		up = "CAP_" + up
	}
	for i, n := range capabilityNames {
		if n == up {
			return 1 << i, true
		}
	}
	return 0, false
}

func (p *Parser) capabilities(e *sdk.Entry, cs *capSet) {
	v := strings.TrimSpace(e.Value)
	invert := strings.HasPrefix(v, "~")
	v = strings.TrimPrefix(v, "~")
	if v == "" && !invert {
		*cs = capSet{set: true}
		return
	}
	words, err := unitfile.SplitWords(v, unitfile.SplitCUnescape)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	var m uint64
	for _, w := range words {
		bit, ok := capabilityBit(w)
		if !ok {
			p.Res.Warnf(e, p.Section, e.Key, "%s=%q: unknown capability %q, ignoring it", e.Key, e.Value, w)
			continue
		}
		m |= bit
	}
	all := uint64(1)<<len(capabilityNames) - 1
	switch {
	case !cs.set && invert:
		cs.mask = all &^ m
	case !cs.set:
		cs.mask = m
	case invert:
		cs.mask &^= m
	default:
		cs.mask |= m
	}
	cs.set = true
}

// names lists the capabilities in the set, in the kernel's order.
func (cs capSet) names() []string {
	var out []string
	for i, n := range capabilityNames {
		if cs.mask&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}
