package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/pkg/timespan"
)

// properties are the service's settings as `systemctl show` lists them: systemd's names and value formats.
func (c *Config) properties() map[string]string {
	p := map[string]string{
		"Type":                     c.Type,
		"Restart":                  c.Restart,
		"RestartUSec":              usec(c.RestartUSec, false),
		"RestartSteps":             strconv.FormatUint(uint64(c.RestartSteps), 10),
		"RestartMaxDelayUSec":      usec(c.RestartMaxDelayUSec, true),
		"RemainAfterExit":          yesno(c.RemainAfterExit),
		"GuessMainPID":             yesno(c.GuessMainPID),
		"PIDFile":                  c.PIDFile,
		"TimeoutStartUSec":         usec(c.TimeoutStartUSec, true),
		"TimeoutStopUSec":          usec(c.TimeoutStopUSec, true),
		"TimeoutAbortUSec":         usec(c.TimeoutAbortUSec, true),
		"RuntimeMaxUSec":           usec(c.RuntimeMaxUSec, true),
		"WatchdogUSec":             usec(c.WatchdogUSec, false),
		"NotifyAccess":             (&machine{c: c}).notifyAccess(),
		"OOMPolicy":                c.OOMPolicy,
		"KillMode":                 c.KillMode,
		"KillSignal":               strconv.Itoa(c.KillSignal),
		"RestartKillSignal":        strconv.Itoa(c.RestartKillSignal),
		"FinalKillSignal":          strconv.Itoa(c.FinalKillSignal),
		"WatchdogSignal":           strconv.Itoa(c.WatchdogSignal),
		"ReloadSignal":             strconv.Itoa(c.ReloadSignal),
		"SendSIGKILL":              yesno(c.SendSIGKILL),
		"SendSIGHUP":               yesno(c.SendSIGHUP),
		"SuccessExitStatus":        exitStatuses(c.SuccessExitStatus),
		"RestartPreventExitStatus": exitStatuses(c.RestartPreventExitStatus),
		"RestartForceExitStatus":   exitStatuses(c.RestartForceExitStatus),
		"Sockets":                  strings.Join(c.Sockets, " "),
		"PassEnvironment":          strings.Join(c.PassEnvironment, " "),
		"UnsetEnvironment":         strings.Join(c.UnsetEnvironment, " "),
		// What a service that has not run reports; its state reports replace them.
		"NRestarts": "0", "StatusErrno": "0", "ReloadResult": "success",
	}
	for key, cmds := range map[string][]Command{
		"ExecCondition": c.ExecCondition, "ExecStartPre": c.ExecStartPre, "ExecStart": c.ExecStart,
		"ExecStartPost": c.ExecStartPost, "ExecReload": c.ExecReload, "ExecStop": c.ExecStop, "ExecStopPost": c.ExecStopPost,
	} {
		var parts []string
		for _, cmd := range cmds {
			parts = append(parts, fmt.Sprintf("{ path=%s ; argv[]=%s ; ignore_errors=%s }", cmd.Path, strings.Join(cmd.Argv, " "), yesno(cmd.IgnoreFailure)))
		}
		p[key] = strings.Join(parts, " ")
	}
	var files []string
	for _, f := range c.EnvironmentFiles {
		files = append(files, f.Path+" (ignore_errors="+yesno(f.Optional)+")")
	}
	p["EnvironmentFiles"] = strings.Join(files, " ")
	c.execProperties(p)
	c.cgroupProperties(p)
	return p
}

func (c *Config) execProperties(p map[string]string) {
	ec := c.Exec
	if ec == nil {
		return
	}
	p["User"], p["Group"] = ec.User, ec.Group
	p["SupplementaryGroups"] = strings.Join(ec.SupplementaryGroups, " ")
	p["WorkingDirectory"], p["RootDirectory"] = ec.WorkingDirectory, ec.RootDirectory
	p["Environment"] = strings.Join(ec.Environment, " ")
	umask := ec.Umask
	if umask < 0 {
		umask = 0o022
	}
	p["UMask"] = fmt.Sprintf("%04o", umask)
	p["Nice"] = strconv.Itoa(int(ec.Nice))
	p["OOMScoreAdjust"] = strconv.Itoa(int(ec.OomScoreAdjust))
	for name, rl := range ec.Limits {
		p["Limit"+name] = limit(rl.Hard)
		p["Limit"+name+"Soft"] = limit(rl.Soft)
	}
	p["CPUSchedulingPolicy"] = ec.CpuSchedulingPolicy
	p["CPUSchedulingPriority"] = strconv.Itoa(int(ec.CpuSchedulingPriority))
	p["NoNewPrivileges"] = yesno(ec.NoNewPrivileges)
	p["CapabilityBoundingSet"] = strings.Join(ec.CapabilityBoundingSet, " ")
	p["AmbientCapabilities"] = strings.Join(ec.AmbientCapabilities, " ")
	p["StandardInput"], p["StandardOutput"], p["StandardError"] = ec.StandardInput, ec.StandardOutput, ec.StandardError
	p["TTYPath"], p["SyslogIdentifier"] = ec.TtyPath, ec.SyslogIdentifier
	p["PrivateTmp"] = yesno(ec.PrivateTmp)
	p["IgnoreSIGPIPE"] = yesno(!ec.KeepSigpipe)
	for kind, name := range map[string]string{"runtime": "Runtime", "state": "State", "cache": "Cache", "logs": "Logs", "configuration": "Configuration"} {
		d := ec.Directories[kind]
		if d == nil {
			p[name+"Directory"], p[name+"DirectoryMode"] = "", "0755"
			continue
		}
		p[name+"Directory"] = strings.Join(d.Paths, " ")
		p[name+"DirectoryMode"] = fmt.Sprintf("%04o", d.Mode)
	}
	preserve := c.RuntimeDirectoryPreserve
	if preserve == "" {
		preserve = "no"
	}
	p["RuntimeDirectoryPreserve"] = preserve
}

func (c *Config) cgroupProperties(p map[string]string) {
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
	set("CPUWeight", cg.CpuWeight, "[not set]")
	set("IOWeight", cg.IoWeight, "[not set]")
	if cg.CpuQuotaPerSecUsec != 0 && cg.CpuQuotaPerSecUsec != math.MaxUint64 {
		p["CPUQuotaPerSecUSec"] = timespan.Format(time.Duration(cg.CpuQuotaPerSecUsec) * time.Microsecond)
	}
	p["Delegate"] = yesno(cg.Delegate)
}

// usec formats a duration in µs as systemd does; zero is "infinity" where systemd reads it so.
func usec(v uint64, zeroIsInfinity bool) string {
	if v == 0 && zeroIsInfinity {
		return "infinity"
	}
	return timespan.Format(time.Duration(v) * time.Microsecond)
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

// exitStatuses is SuccessExitStatus= as systemd shows it: statuses, then signal names.
func exitStatuses(s ExitStatusSet) string {
	var out []string
	sts := append([]int(nil), s.Statuses...)
	sort.Ints(sts)
	for _, st := range sts {
		out = append(out, strconv.Itoa(st))
	}
	for _, sig := range s.Signals {
		out = append(out, signame.Name(sig))
	}
	return strings.Join(out, " ")
}
