// Package slice is the slice unit type (man systemd.slice), built on the public SDK only. A slice groups units
// for resource control: its place in the hierarchy comes from its name ("a-b.slice" is below "a.slice", which is
// below "-.slice"), the host puts the cgroup of each unit with Slice= (or a default slice) below the slice's and
// adds the implicit Requires= and After= on the parent slice; this plugin parses the slice's resource control and,
// on start, asks the host to realize the slice's cgroup with it.
package slice

import (
	"fmt"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

const (
	section      = "Slice"
	stateVersion = 1
)

type sliceType struct{ sdk.Defaults }

func (sliceType) Describe() sdk.Description {
	return sdk.Description{Type: "slice", Sections: []string{section}, Version: "1.0.0", StateVersion: stateVersion}
}

// Config is a slice's [Slice] section: man systemd.resource-control.
type Config struct {
	exec.CgroupConfig
}

// State is the slice's sub-state: "dead" or "active".
type State struct {
	Sub string `json:",omitempty"`
}

func (sliceType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	name := req.Unit.Name
	if !unitname.SliceValid(name) {
		res.Errorf(nil, section, "", "Slice name %s is not valid. Refusing.", name)
		return res
	}
	c := Config{CgroupConfig: exec.CgroupConfig{Cgroup: &sdk.CgroupSettings{}}}
	p := exec.NewParser(res, section, exec.SystemLoadEnv(), nil, nil, &c.CgroupConfig)
	p.Run(req.Section(section), func(e *sdk.Entry) bool {
		if e.Key != "Slice" {
			return false
		}
		// A slice's own slice is its parent, which its name gives.
		res.Warnf(e, section, e.Key, "Unknown key name '%s' in section '%s', ignoring.", e.Key, section)
		return true
	})
	p.Finish()
	delete(res.Annotations, "Slice") // the host takes a slice's parent from its name
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = map[string]string{}
	c.Properties(res.Properties)
	// systemd.slice's default dependencies; the parent slice is the host's (Requires=, After=).
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	return res
}

// Handle: a slice is active while started, with its cgroup realized; it has no process of its own. Stopping it
// stops the units in it first: they require it.
func (sliceType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *Config, st *State) error {
		switch ev.Kind.(type) {
		case *sdk.EventStart:
			u.Do(&sdk.RealizeCgroup{Settings: c.Cgroup})
			st.Sub = "active"
			u.SetState(sdk.Active, st.Sub, "success")
		case *sdk.EventStop:
			st.Sub = "dead"
			u.SetState(sdk.Inactive, st.Sub, "success")
		case *sdk.EventReload:
			// A changed [Slice] section takes effect at once, as systemd applies it on daemon-reload.
			if st.Sub == "active" {
				u.Do(&sdk.RealizeCgroup{Settings: c.Cgroup})
				u.SetState(sdk.Active, st.Sub, "success")
			}
		case *sdk.EventRecover, *sdk.EventResetFailed, *sdk.EventUnitChanged, *sdk.EventCgroupEmpty,
			*sdk.EventConfigChanged:
			// Nothing to reconcile: the cgroup and the state are the host's.
		case *sdk.EventKill, *sdk.EventSpawned, *sdk.EventExecuted, *sdk.EventSpawnFailed, *sdk.EventChildExited,
			*sdk.EventTimerFired, *sdk.EventNotify, *sdk.EventFdReadable, *sdk.EventFdOpenFailed,
			*sdk.EventEnqueueFailed, *sdk.EventMountChanged, *sdk.EventDeviceChanged, *sdk.EventPathChanged,
			*sdk.EventTimeChanged:
			// A slice runs nothing and holds nothing: these cannot concern it.
		default:
			return fmt.Errorf("slice: unexpected event %T", ev.Kind)
		}
		return nil
	})
}

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = sliceType{}
