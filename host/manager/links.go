package manager

import (
	"errors"

	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// linkOperation carries out the unit file operations of ChangeUnitFiles beyond enable and its kin: set-default
// (units: the target; always in /etc, as systemd does), add-wants and add-requires (units: the target, then the
// units), link (units: absolute paths) and revert. ok is false for another operation.
func (m *Manager) linkOperation(op string, units []string, dir string) (changes []unit.Change, ok bool, err error) {
	switch op {
	case "set-default", "add-wants", "add-requires", "link", "revert":
	default:
		return nil, false, nil
	}
	if len(units) == 0 || op == "set-default" && len(units) != 1 {
		return nil, true, errdefs.InvalidArgument(errors.New("wrong number of arguments"))
	}
	switch op {
	case "set-default":
		changes, err = m.loader.SetDefault(units[0], m.cfg.UnitPaths[0])
	case "add-wants":
		changes, err = m.loader.AddDependency(units[0], "wants", units[1:], dir)
	case "add-requires":
		changes, err = m.loader.AddDependency(units[0], "requires", units[1:], dir)
	case "link":
		for _, p := range units {
			var more []unit.Change
			more, err = m.loader.Link(p, dir)
			if changes = append(changes, more...); err != nil {
				break
			}
		}
	case "revert":
		for _, name := range units {
			var more []unit.Change
			more, err = m.loader.Revert(name)
			if changes = append(changes, more...); err != nil {
				break
			}
		}
	}
	if err != nil {
		err = errdefs.FailedPrecondition(err)
	}
	return changes, true, err
}
