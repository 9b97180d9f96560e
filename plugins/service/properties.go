package service

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk/exec"
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
		"ReloadSignal":             strconv.Itoa(c.ReloadSignal),
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
		p[key] = exec.CommandsProperty(cmds) // the host adds each command's last run (pkg/execprop)
	}
	var files []string
	for _, f := range c.EnvironmentFiles {
		files = append(files, f.Path+" (ignore_errors="+yesno(f.Optional)+")")
	}
	p["EnvironmentFiles"] = strings.Join(files, " ")
	c.KillSettings.Properties(p)
	c.ExecSettings.Properties(p)
	c.CgroupConfig.Properties(p)
	return p
}

// usec formats a duration in µs as systemd does; zero is "infinity" where systemd reads it so.
func usec(v uint64, zeroIsInfinity bool) string {
	if v == 0 && zeroIsInfinity {
		return "infinity"
	}
	return timespan.Format(time.Duration(v) * time.Microsecond)
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
