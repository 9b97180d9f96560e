package scope

import (
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

const (
	section      = "Scope"
	version      = "1.0.0"
	stateVersion = 1
)

type scopeType struct{ sdk.Defaults }

func (scopeType) Describe() sdk.Description {
	return sdk.Description{Type: "scope", Sections: []string{section}, Version: version, StateVersion: stateVersion}
}

// Config is a scope's [Scope] section: man systemd.scope, systemd.kill and systemd.resource-control.
type Config struct {
	exec.KillSettings
	exec.CgroupConfig
	TimeoutStopUSec            uint64
	RuntimeMaxUSec             uint64 // 0: no limit
	RuntimeRandomizedExtraUSec uint64
	OOMPolicy                  string // continue, stop, kill
}

// defaultTimeoutStop is DefaultTimeoutStopSec= (90 s), systemd's default for TimeoutStopSec=.
const defaultTimeoutStop = 90_000_000

// Parse reads the [Scope] section. The host writes it from the properties of StartTransientUnit; a scope read
// from any other file is refused by the host before it gets here (systemd's scope_load).
func (scopeType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := Config{KillSettings: exec.DefaultKill(), CgroupConfig: exec.DefaultCgroup(), TimeoutStopUSec: defaultTimeoutStop,
		OOMPolicy: "stop"}
	p := exec.NewParser(res, section, exec.SystemLoadEnv(), nil, &c.KillSettings, &c.CgroupConfig)
	p.Run(req.Section(section), func(e *sdk.Entry) bool {
		switch e.Key {
		case "TimeoutStopSec":
			p.Timespan(e, &c.TimeoutStopUSec, defaultTimeoutStop, 0)
		case "RuntimeMaxSec":
			p.Timespan(e, &c.RuntimeMaxUSec, 0, 0)
		case "RuntimeRandomizedExtraSec":
			p.Timespan(e, &c.RuntimeRandomizedExtraUSec, 0, 0)
		case "OOMPolicy":
			p.Enum(e, &c.OOMPolicy, "stop", "continue", "stop", "kill")
		default:
			return false
		}
		return true
	})
	p.Finish()
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = map[string]string{}
	c.CgroupConfig.Properties(res.Properties)
	c.KillSettings.Properties(res.Properties)
	res.Properties["TimeoutStopUSec"] = usec(c.TimeoutStopUSec)
	res.Properties["RuntimeMaxUSec"] = usec(c.RuntimeMaxUSec)
	res.Properties["RuntimeRandomizedExtraUSec"] = timespan.Format(time.Duration(c.RuntimeRandomizedExtraUSec) * time.Microsecond)
	res.Properties["OOMPolicy"] = c.OOMPolicy
	// systemd.scope's default dependencies; the slice's are the host's (Requires=, After=).
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	return res
}

// usec formats a limit in µs as systemctl show does: zero (none) is "infinity".
func usec(v uint64) string {
	if v == 0 {
		return "infinity"
	}
	return timespan.Format(time.Duration(v) * time.Microsecond)
}
