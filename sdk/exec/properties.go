package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk"
)

// Properties adds the kill settings as `systemctl show` lists them to p.
func (k *KillSettings) Properties(p map[string]string) {
	p["KillMode"] = k.KillMode
	p["KillSignal"] = strconv.Itoa(k.KillSignal)
	p["RestartKillSignal"] = strconv.Itoa(k.RestartKillSignal)
	p["FinalKillSignal"] = strconv.Itoa(k.FinalKillSignal)
	p["WatchdogSignal"] = strconv.Itoa(k.WatchdogSignal)
	p["SendSIGKILL"] = yesno(k.SendSIGKILL)
	p["SendSIGHUP"] = yesno(k.SendSIGHUP)
}

// Properties adds the settings as `systemctl show` lists them (systemd's names and formats) to p.
func (c *ExecSettings) Properties(p map[string]string) {
	ec := c.Exec
	if ec == nil {
		return
	}
	p["User"], p["Group"] = ec.User, ec.Group
	p["SupplementaryGroups"] = strings.Join(ec.SupplementaryGroups, " ")
	p["WorkingDirectory"], p["RootDirectory"] = ec.WorkingDirectory, ec.RootDirectory
	p["Environment"] = strings.Join(ec.Environment, " ")
	umask := ec.UMask
	if umask < 0 {
		umask = 0o022
	}
	p["UMask"] = fmt.Sprintf("%04o", umask)
	p["Nice"] = strconv.Itoa(int(ec.Nice))
	p["OOMScoreAdjust"] = strconv.Itoa(int(ec.OOMScoreAdjust))
	for name, rl := range ec.Limits {
		p["Limit"+name] = limit(rl.Hard)
		p["Limit"+name+"Soft"] = limit(rl.Soft)
	}
	p["CPUSchedulingPolicy"] = ec.CPUSchedulingPolicy
	p["CPUSchedulingPriority"] = strconv.Itoa(int(ec.CPUSchedulingPriority))
	p["NoNewPrivileges"] = yesno(ec.NoNewPrivileges)
	p["CapabilityBoundingSet"] = strings.Join(ec.CapabilityBoundingSet, " ")
	if len(ec.CapabilityBoundingSet) == 0 && !c.NoCapabilities {
		p["CapabilityBoundingSet"] = strings.Join(capabilityNames, " ") // unchanged: all of them, as systemctl says
	}
	p["AmbientCapabilities"] = strings.Join(ec.AmbientCapabilities, " ")
	p["StandardInput"], p["StandardOutput"], p["StandardError"] = ec.StandardInput, ec.StandardOutput, ec.StandardError
	p["TTYPath"], p["SyslogIdentifier"] = ec.TTYPath, ec.SyslogIdentifier
	p["PrivateTmp"] = yesno(ec.PrivateTmp)
	p["IgnoreSIGPIPE"] = yesno(!ec.KeepSIGPIPE)
	for kind, name := range map[string]string{"runtime": "Runtime", "state": "State", "cache": "Cache", "logs": "Logs", "configuration": "Configuration"} {
		d := ec.Directories[kind]
		if d == nil {
			p[name+"Directory"], p[name+"DirectoryMode"] = "", "0755"
			continue
		}
		p[name+"Directory"] = strings.Join(d.Paths, " ")
		p[name+"DirectoryMode"] = fmt.Sprintf("%04o", d.Mode)
	}
	sandboxProperties(ec.Sandbox, p)
	ioprio := int32(2<<13 | 4) // the kernel's default: best-effort 4
	if ec.IOPrioSet {
		ioprio = ec.IOPrio
	}
	p["IOSchedulingClass"], p["IOSchedulingPriority"] = strconv.Itoa(int(ioprio>>13)), strconv.Itoa(int(ioprio&7))
	cpus := make([]string, len(ec.CPUAffinity))
	for i, c := range ec.CPUAffinity {
		cpus[i] = strconv.Itoa(int(c))
	}
	p["CPUAffinity"] = strings.Join(cpus, " ")
	p["KeyringMode"] = ec.KeyringMode
	if p["KeyringMode"] == "" {
		p["KeyringMode"] = "private"
	}
	if len(c.Unenforced) > 0 {
		p["UnenforcedDirectives"] = strings.Join(c.Unenforced, "= ") + "="
	}
	preserve := c.RuntimeDirectoryPreserve
	if preserve == "" {
		preserve = "no"
	}
	p["RuntimeDirectoryPreserve"] = preserve
}

// Properties adds resource control as `systemctl show` lists it to p.
func (c *CgroupConfig) Properties(p map[string]string) {
	cg := c.Cgroup
	p["MemoryMax"], p["MemoryHigh"], p["TasksMax"] = "infinity", "infinity", "infinity"
	p["CPUQuotaPerSecUSec"], p["CPUWeight"], p["IOWeight"] = "infinity", "[not set]", "[not set]"
	p["Delegate"] = "no"
	if cg == nil {
		return
	}
	set := func(name string, v uint64, unset string) {
		switch v {
		case 0:
			p[name] = unset
		case math.MaxUint64:
			p[name] = "infinity"
		default:
			p[name] = strconv.FormatUint(v, 10)
		}
	}
	set("MemoryMax", cg.MemoryMax, "infinity")
	set("MemoryHigh", cg.MemoryHigh, "infinity")
	set("TasksMax", cg.TasksMax, "infinity")
	set("CPUWeight", cg.CPUWeight, "[not set]")
	set("IOWeight", cg.IOWeight, "[not set]")
	if cg.CPUQuotaPerSecUSec != 0 && cg.CPUQuotaPerSecUSec != math.MaxUint64 {
		p["CPUQuotaPerSecUSec"] = timespan.Format(time.Duration(cg.CPUQuotaPerSecUSec) * time.Microsecond)
	}
	p["Delegate"] = yesno(cg.Delegate)
}

func limit(v uint64) string {
	if v == math.MaxUint64 {
		return "infinity"
	}
	return strconv.FormatUint(v, 10)
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// sandboxProperties adds the sandbox as `systemctl show` lists it.
func sandboxProperties(sb *sdk.Sandbox, p map[string]string) {
	if sb == nil {
		sb = &sdk.Sandbox{}
	}
	orNo := func(s string) string {
		if s == "" {
			return "no"
		}
		return s
	}
	p["ProtectSystem"], p["ProtectHome"] = orNo(sb.ProtectSystem), orNo(sb.ProtectHome)
	for k, v := range map[string]bool{"PrivateDevices": sb.PrivateDevices, "PrivateMounts": sb.PrivateMounts,
		"PrivateNetwork": sb.PrivateNetwork, "PrivateIPC": sb.PrivateIPC, "ProtectHostname": sb.ProtectHostname,
		"ProtectClock": sb.ProtectClock, "ProtectKernelTunables": sb.ProtectKernelTunables,
		"ProtectKernelModules": sb.ProtectKernelModules, "ProtectKernelLogs": sb.ProtectKernelLogs,
		"ProtectControlGroups": sb.ProtectControlGroups, "RestrictRealtime": sb.RestrictRealtime,
		"RestrictSUIDSGID": sb.RestrictSUIDSGID, "LockPersonality": sb.LockPersonality,
		"MemoryDenyWriteExecute": sb.MemoryDenyWriteExec} {
		p[k] = yesno(v)
	}
	p["PrivateUsers"] = yesno(sb.PrivateUsers)
	p["RestrictNamespaces"] = "no"
	if sb.RestrictNamespacesSet {
		var allowed []string
		for _, n := range []string{"cgroup", "ipc", "net", "mnt", "pid", "user", "uts"} {
			if sb.NamespacesAllowed&namespaceTypes[n] != 0 {
				allowed = append(allowed, n)
			}
		}
		p["RestrictNamespaces"] = strings.Join(allowed, " ")
		if len(allowed) == 0 {
			p["RestrictNamespaces"] = "yes"
		}
	}
	p["RestrictAddressFamilies"] = ""
	if sb.AddressFamiliesSet {
		var names []string
		for _, af := range sb.AddressFamilies {
			names = append(names, familyName(af))
		}
		switch {
		case sb.AddressFamiliesAllow && len(names) == 0:
			p["RestrictAddressFamilies"] = "none"
		case sb.AddressFamiliesAllow:
			p["RestrictAddressFamilies"] = strings.Join(names, " ")
		default:
			p["RestrictAddressFamilies"] = "~" + strings.Join(names, " ")
		}
	}
	p["ProtectProc"], p["ProcSubset"] = sb.ProtectProc, sb.ProcSubset
	if p["ProtectProc"] == "" {
		p["ProtectProc"] = "default"
	}
	if p["ProcSubset"] == "" {
		p["ProcSubset"] = "all"
	}
	paths := map[string][]string{}
	for _, r := range sb.Paths {
		w := r.Path
		if r.RootRelative {
			w = "+" + w
		}
		if r.Optional {
			w = "-" + w
		}
		paths[r.Kind] = append(paths[r.Kind], w)
	}
	for kind, key := range map[string]string{"read-write": "ReadWritePaths", "read-only": "ReadOnlyPaths",
		"inaccessible": "InaccessiblePaths", "exec": "ExecPaths", "no-exec": "NoExecPaths"} {
		p[key] = strings.Join(paths[kind], " ")
	}
	if sb.SyscallArchNative {
		p["SystemCallArchitectures"] = "native"
	} else {
		p["SystemCallArchitectures"] = ""
	}
	if f := sb.SyscallFilter; f != nil {
		prefix := ""
		if !f.AllowList {
			prefix = "~"
		}
		p["SystemCallFilter"] = prefix + strings.Join(f.Names, " ")
	} else {
		p["SystemCallFilter"] = ""
	}
}

// familyName is the AF_* name of a family number (the first of its names, AF_UNIX rather than AF_LOCAL).
func familyName(af int32) string {
	best := ""
	for n, v := range addressFamilies {
		if v == af && (best == "" || n > best) { // AF_UNIX sorts after AF_LOCAL
			best = n
		}
	}
	if best == "" {
		return strconv.Itoa(int(af))
	}
	return best
}
