// Package exposure rates a service's sandbox as systemd-analyze security does (systemd 252): the same checks,
// weights, ranges and descriptions, the same sum and the same levels, computed from the unit's properties as
// `sctl show` prints them. A directive sysmaster does not enforce counts as unset: the rating is of what runs.
package exposure

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/seccomp"
)

// Properties are the unit properties the rating reads (systemctl show's names).
var Properties = []string{"Id", "LoadState", "Type", "DefaultDependencies", "User", "SupplementaryGroups",
	"PrivateDevices", "PrivateMounts", "PrivateNetwork", "PrivateTmp", "PrivateUsers", "ProtectControlGroups",
	"ProtectKernelModules", "ProtectKernelTunables", "ProtectKernelLogs", "ProtectClock", "ProtectHome",
	"ProtectHostname", "ProtectSystem", "RootDirectory", "LockPersonality", "MemoryDenyWriteExecute",
	"NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities", "UMask", "KeyringMode", "ProtectProc",
	"ProcSubset", "NotifyAccess", "Delegate", "RestrictRealtime", "RestrictSUIDSGID", "RestrictNamespaces",
	"RestrictAddressFamilies", "SystemCallArchitectures", "SystemCallFilter", "UnenforcedDirectives"}

// Info is what the rating knows of a unit.
type Info struct {
	ID, Type, User                                                string
	DefaultDependencies                                           bool
	SupplementaryGroups                                           []string
	PrivateDevices, PrivateMounts, PrivateNetwork, PrivateTmp     bool
	PrivateUsers, ProtectControlGroups, ProtectKernelModules      bool
	ProtectKernelTunables, ProtectKernelLogs, ProtectClock        bool
	ProtectHostname, LockPersonality, MemoryDenyWriteExecute      bool
	NoNewPrivileges, Delegate, RestrictRealtime, RestrictSUIDSGID bool
	ProtectHome, ProtectSystem, RootDirectory                     string
	KeyringMode, ProtectProc, ProcSubset, NotifyAccess            string
	CapabilityBoundingSet, AmbientCapabilities                    uint64
	RestrictNamespaces                                            uint64 // the CLONE_NEW* flags allowed
	UMask                                                         uint32
	families                                                      map[string]bool // inet, unix, netlink, packet, other: restricted
	SyscallArchitectures                                          []string
	syscallFilterSet, syscallAllowList                            bool
	syscalls                                                      map[string]bool
	Unenforced                                                    []string // UnenforcedDirectives, without "="
}

// capabilityNames are Linux's, by number.
var capabilityNames = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"}

func capMask(list string) uint64 {
	var m uint64
	for _, w := range strings.Fields(list) {
		if i := slices.Index(capabilityNames, strings.ToUpper(w)); i >= 0 {
			m |= 1 << i
		}
	}
	return m
}

var namespaceFlags = map[string]uint64{"cgroup": nsCgroup, "ipc": nsIPC, "net": nsNet, "mnt": nsMnt, "pid": nsPID,
	"user": nsUser, "uts": nsUTS}

// FromProperties reads Info from properties as `sctl show` prints them, and applies what systemd implies from
// them, as systemd-analyze security does for a loaded unit: PrivateDevices=, ProtectKernelModules=,
// ProtectKernelLogs= and ProtectClock= take their capabilities out of the bounding set, and any file-system
// sandbox means a mount namespace of the unit's own (PrivateMounts=).
func FromProperties(p map[string]string) *Info {
	yes := func(k string) bool { return p[k] == "yes" }
	i := &Info{
		ID: p["Id"], Type: p["Type"], User: p["User"], DefaultDependencies: p["DefaultDependencies"] != "no",
		SupplementaryGroups: strings.Fields(p["SupplementaryGroups"]),
		PrivateDevices:      yes("PrivateDevices"), PrivateMounts: yes("PrivateMounts"), PrivateNetwork: yes("PrivateNetwork"),
		PrivateTmp: yes("PrivateTmp"), PrivateUsers: yes("PrivateUsers"), ProtectControlGroups: yes("ProtectControlGroups"),
		ProtectKernelModules: yes("ProtectKernelModules"), ProtectKernelTunables: yes("ProtectKernelTunables"),
		ProtectKernelLogs: yes("ProtectKernelLogs"), ProtectClock: yes("ProtectClock"), ProtectHostname: yes("ProtectHostname"),
		LockPersonality: yes("LockPersonality"), MemoryDenyWriteExecute: yes("MemoryDenyWriteExecute"),
		NoNewPrivileges: yes("NoNewPrivileges"), Delegate: yes("Delegate"), RestrictRealtime: yes("RestrictRealtime"),
		RestrictSUIDSGID: yes("RestrictSUIDSGID"), ProtectHome: p["ProtectHome"], ProtectSystem: p["ProtectSystem"],
		RootDirectory: p["RootDirectory"], KeyringMode: p["KeyringMode"], ProtectProc: p["ProtectProc"],
		ProcSubset: p["ProcSubset"], NotifyAccess: p["NotifyAccess"],
		CapabilityBoundingSet: capMask(p["CapabilityBoundingSet"]), AmbientCapabilities: capMask(p["AmbientCapabilities"]),
		SyscallArchitectures: strings.Fields(p["SystemCallArchitectures"]), UMask: 0o022,
	}
	if p["CapabilityBoundingSet"] == "" {
		i.CapabilityBoundingSet = 1<<len(capabilityNames) - 1
	}
	if u, err := strconv.ParseUint(p["UMask"], 8, 32); err == nil {
		i.UMask = uint32(u)
	}
	switch v := p["RestrictNamespaces"]; v {
	case "", "no":
		i.RestrictNamespaces = ^uint64(0)
	case "yes":
	default:
		for _, w := range strings.Fields(v) {
			i.RestrictNamespaces |= namespaceFlags[w]
		}
	}
	i.readFamilies(p["RestrictAddressFamilies"])
	if f := p["SystemCallFilter"]; f != "" {
		i.syscallFilterSet, i.syscallAllowList = true, !strings.HasPrefix(f, "~")
		i.syscalls = map[string]bool{}
		for _, n := range strings.Fields(strings.TrimPrefix(f, "~")) {
			i.syscalls[n] = true
		}
	}
	for _, d := range strings.Fields(p["UnenforcedDirectives"]) {
		i.Unenforced = append(i.Unenforced, strings.TrimSuffix(d, "="))
	}
	if i.PrivateDevices || i.PrivateTmp || i.ProtectControlGroups || i.ProtectKernelTunables || i.ProtectKernelModules ||
		i.ProtectHome != "no" && i.ProtectHome != "" || i.ProtectSystem != "no" && i.ProtectSystem != "" {
		i.PrivateMounts = true
	}
	if i.ProtectKernelModules {
		i.CapabilityBoundingSet &^= capSysModule
	}
	if i.ProtectKernelLogs {
		i.CapabilityBoundingSet &^= capSyslog
	}
	if i.ProtectClock {
		i.CapabilityBoundingSet &^= capSysTime | capWakeAlarm
	}
	if i.PrivateDevices {
		i.CapabilityBoundingSet &^= capMknod | capSysRawio
	}
	return i
}

// readFamilies reads RestrictAddressFamilies= ("AF_UNIX AF_INET", "~AF_PACKET", "none", or "" for unset) into
// which of systemd's five classes are restricted.
func (i *Info) readFamilies(v string) {
	allow := v != "" && !strings.HasPrefix(v, "~")
	i.families = map[string]bool{"inet": allow, "unix": allow, "netlink": allow, "packet": allow, "other": allow}
	if v == "none" {
		return
	}
	for _, af := range strings.Fields(strings.TrimPrefix(v, "~")) {
		class := "other"
		switch af {
		case "AF_INET", "AF_INET6":
			class = "inet"
		case "AF_UNIX", "AF_LOCAL":
			class = "unix"
		case "AF_NETLINK":
			class = "netlink"
		case "AF_PACKET":
			class = "packet"
		}
		i.families[class] = !allow
	}
}

func (i *Info) familyRestricted(class string) bool { return i.families[class] }

func (i *Info) runsPrivileged() bool { return i.User == "" || i.User == "0" || i.User == "root" }

func (i *Info) user() (uint64, string) {
	switch {
	case i.User == "nobody":
		return 9, "Service runs under as 'nobody' user, which should not be used for services"
	case !i.runsPrivileged():
		return 0, "Service runs under a static non-root user identity"
	}
	return 10, ""
}

func (i *Info) protectHome() (uint64, string) {
	switch i.ProtectHome {
	case "yes", "true", "on", "1":
		return 0, "Service has no access to home directories"
	case "read-only":
		return 5, "Service has read-only access to home directories"
	case "tmpfs":
		return 1, "Service has access to fake empty home directories"
	}
	return 10, "Service has full access to home directories"
}

func (i *Info) protectSystem() (uint64, string) {
	switch i.ProtectSystem {
	case "yes", "true", "on", "1":
		return 5, "Service has limited write access to the OS file hierarchy"
	case "full":
		return 3, "Service has very limited write access to the OS file hierarchy"
	case "strict":
		return 0, "Service has strict read-only access to the OS file hierarchy"
	}
	return 10, "Service has full access to the OS file hierarchy"
}

func (i *Info) umask() (uint64, string) {
	switch m := i.UMask; {
	case m&0o002 == 0:
		return 10, "Files created by service are world-writable by default"
	case m&0o004 == 0:
		return 5, "Files created by service are world-readable by default"
	case m&0o020 == 0:
		return 2, "Files created by service are group-writable by default"
	case m&0o040 == 0:
		return 1, "Files created by service are group-readable by default"
	}
	return 0, "Files created by service are accessible only by service's own user by default"
}

func (i *Info) syscallArchitectures() (uint64, string) {
	switch {
	case len(i.SyscallArchitectures) == 0:
		return 10, "Service may execute system calls with all ABIs"
	case len(i.SyscallArchitectures) == 1 && i.SyscallArchitectures[0] == "native":
		return 0, "Service may execute system calls only with native ABI"
	}
	return 8, "Service may execute system calls with multiple ABIs"
}

// syscallFilter rates SystemCallFilter= against one set: an allow list that lets one of its calls through, or
// a deny list that misses one, is bad. Calls this architecture lacks do not count, as in systemd.
func (i *Info) syscallFilter(set string) (uint64, string) {
	if !i.syscallFilterSet || !i.syscallAllowList && len(i.syscalls) == 0 {
		return 10, "Service does not filter system calls"
	}
	names, _ := seccomp.Expand(set)
	offender := ""
	for _, n := range names {
		if _, ok := seccomp.Number(n); !ok {
			continue
		}
		if i.syscalls[n] == i.syscallAllowList {
			offender = n
			break
		}
	}
	switch {
	case i.syscallAllowList && offender != "":
		return 9, fmt.Sprintf("System call allow list defined for service, and %s is included (e.g. %s is allowed)", set, offender)
	case i.syscallAllowList:
		return 0, fmt.Sprintf("System call allow list defined for service, and %s is not included", set)
	case offender != "":
		return 10, fmt.Sprintf("System call deny list defined for service, and %s is not included (e.g. %s is allowed)", set, offender)
	}
	return 0, fmt.Sprintf("System call deny list defined for service, and %s is included", set)
}

// Row is one line of the table.
type Row struct {
	Name, JSONField, Description string
	// Set is true for a check passed, false for one failed (in part), nil when it does not apply.
	Set                    *bool
	Weight, Badness, Range uint64
	Exposure               string // tenths, "" for none
	NotEnforced            bool   // the directive is set but sysmaster does not apply it
}

// Level is one of systemd's verdicts, from the exposure in tenths up.
type Level struct {
	Min          uint64
	Name, Smiley string
}

// Levels are systemd's, worst first.
var Levels = []Level{{100, "DANGEROUS", "🤯"}, {90, "UNSAFE", "😨"}, {75, "EXPOSED", "🙁"}, {50, "MEDIUM", "😐"},
	{10, "OK", "🙂"}, {1, "SAFE", "😀"}, {0, "PERFECT", "😇"}}

// Result is the rating of one unit.
type Result struct {
	Rows     []Row
	Exposure uint64 // tenths: 0..100
	Level    Level
}

func divRoundUp(a, b uint64) uint64 { return (a + b - 1) / b }

// Assess rates i.
func Assess(i *Info) Result {
	var res Result
	var badnessSum, weightSum uint64
	for _, c := range checks {
		var badness uint64
		var d string
		if c.defaultDepsOnly && !i.DefaultDependencies {
			badness, d = na, "Service runs in special boot phase, option is not appropriate"
		} else {
			badness, d = c.assess(i)
		}
		row := Row{Name: c.id, JSONField: c.jsonField, Weight: c.weight, Badness: badness, Range: c.rangeMax}
		if badness != na {
			badnessSum += divRoundUp(badness*c.weight, c.rangeMax)
			weightSum += c.weight
		}
		var set bool
		switch {
		case badness == na:
			row.Description = c.na
		case badness == c.rangeMax:
			row.Description, row.Set = c.bad, &set
		case badness == 0:
			set = true
			row.Description, row.Set = c.good, &set
		default:
			row.Set = &set
		}
		if d != "" {
			row.Description = d
		}
		for _, key := range c.notEnforcedBy {
			if slices.Contains(i.Unenforced, key) && badness != 0 && badness != na {
				row.NotEnforced = true
				row.Description += " (" + key + "= is not enforced by sysmaster)"
				break
			}
		}
		res.Rows = append(res.Rows, row)
	}
	for k := range res.Rows {
		r := &res.Rows[k]
		if r.Badness != na && r.Badness != 0 {
			x := divRoundUp(divRoundUp(r.Badness*r.Weight*100, r.Range), weightSum)
			r.Exposure = fmt.Sprintf("%d.%d", x/10, x%10)
		}
	}
	res.Exposure = divRoundUp(badnessSum*100, weightSum)
	for _, l := range Levels {
		if res.Exposure >= l.Min {
			res.Level = l
			break
		}
	}
	return res
}
