package service

import "github.com/sysmaster/sysmaster/sdk"

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

// version is what Describe tells the host (sctl list-plugins shows it); a build may set it with
// -ldflags "-X github.com/sysmaster/sysmaster/plugins/service.version=…".
var version = "1.0.0"

// serviceType is the service unit type as the SDK sees it.
type serviceType struct{ sdk.Defaults }

func (serviceType) Describe() sdk.Description {
	return sdk.Description{Type: "service", Sections: []string{"Service"}, Version: version, StateVersion: stateVersion}
}

func (serviceType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := parseConfig(req, res)
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = c.properties()
	if len(c.ExecReload) > 0 || c.Type == "notify-reload" {
		res.Annotate("CanReload", "yes")
	}
	// systemd.service's default dependencies.
	res.AddDefault("Requires", "sysinit.target")
	res.AddDefault("After", "sysinit.target", "basic.target")
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	return res
}

func (serviceType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *Config, st *State) error {
		newMachine(c, st, u).handle(ev)
		return nil
	})
}
