package target

import (
	"fmt"

	"github.com/sysmaster/sysmaster/sdk"
)

// version is the target plugin's version, shown by `sctl list-plugins`.
const version = "1.0.0"

type targetType struct{ sdk.Defaults }

func (targetType) Describe() sdk.Description {
	return sdk.Description{Type: "target", Version: version, StateVersion: 1, Passive: true}
}

// Parse adds systemd's default dependencies of a target: it is stopped at shutdown and it is ordered after
// every unit it pulls in, so that reaching a target means its units are up.
func (targetType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	var after []string
	for _, kind := range []string{"Requires", "Requisite", "Wants", "BindsTo"} {
		for _, u := range req.Deps(kind) {
			if u != req.Unit.GetName() && u != "shutdown.target" {
				after = append(after, u)
			}
		}
	}
	if len(after) > 0 {
		res.AddDefault("After", after...)
	}
	return res
}

// Handle: a target goes active on start and inactive on stop; nothing else concerns it.
func (targetType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	switch ev.Kind.(type) {
	case *sdk.EventStart:
		u.SetState(sdk.Active, "active", "success")
	case *sdk.EventStop:
		u.SetState(sdk.Inactive, "dead", "success")
	case *sdk.EventRecover, *sdk.EventResetFailed, *sdk.EventUnitChanged, *sdk.EventConfigChanged:
		// Nothing to reconcile: a target's state is all in the host.
	default:
		return fmt.Errorf("target: unexpected event %T", ev.Kind)
	}
	return nil
}
