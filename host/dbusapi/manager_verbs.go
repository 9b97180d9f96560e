package dbusapi

import (
	"fmt"
	"slices"

	"github.com/sysmaster/sysmaster/host/api"
)

// The Manager's and the Unit objects' freeze, thaw and clean (systemctl freeze, thaw, clean), and the references
// systemctl takes on a unit while it waits for the end of those.

func init() {
	for method, thaw := range map[string]bool{"FreezeUnit": false, "ThawUnit": true} {
		handle(managerIface, method, true, func(s *Server, r *request) ([]any, error) {
			// systemd's FreezeUnit finds only a loaded unit, which systemctl's RefUnit before it has loaded and
			// holds; a reference holds nothing here (below), so the call loads the unit itself.
			id, err := s.loadValid(r, r.args[0].(string))
			if err != nil {
				return nil, err
			}
			return nil, s.core.Freeze(r.ctx, []string{id}, thaw)
		})
	}
	handle(unitIface, "Freeze", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.Freeze(r.ctx, []string{r.unit}, false)
	})
	handle(unitIface, "Thaw", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.Freeze(r.ctx, []string{r.unit}, true)
	})
	handle(managerIface, "CleanUnit", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.clean(r, r.args[0].(string), r.args[1].([]string))
	})
	handle(unitIface, "Clean", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.clean(r, r.unit, r.args[0].([]string))
	})
	// systemd's references keep a unit loaded while the client that took them is connected, so that it can read
	// the unit's state after a freeze or clean. A unit object here loads its unit on use (object.go), which gives
	// the reader the same: RefUnit loads and checks the unit as systemd's does, and a reference holds nothing.
	for _, method := range []string{"RefUnit", "UnrefUnit"} {
		handle(managerIface, method, true, func(s *Server, r *request) ([]any, error) {
			_, err := s.loadValid(r, r.args[0].(string))
			return nil, err
		})
	}
	for _, method := range []string{"Ref", "Unref"} {
		handle(unitIface, method, true, func(*Server, *request) ([]any, error) { return nil, nil })
	}
}

// clean removes the unit's directories of the kinds mask names ("all": every kind), as systemd's
// bus_unit_method_clean.
func (s *Server) clean(r *request, name string, mask []string) error {
	var what []string
	for _, m := range mask {
		switch {
		case m == "all":
			what = append(what, api.CleanKinds...)
		case slices.Contains(api.CleanKinds, m):
			what = append(what, m)
		default:
			return newError(errInvalidArgs, fmt.Sprintf("Invalid resource type: %s", m))
		}
	}
	slices.Sort(what)
	id, err := s.loadValid(r, name)
	if err != nil {
		return err
	}
	_, err = s.core.Clean(r.ctx, []string{id}, slices.Compact(what))
	return err
}

// loadValid loads the unit and returns its id, with systemd's errors (bus_unit_validate_load_state) for one that
// did not load.
func (s *Server) loadValid(r *request, name string) (string, error) {
	if _, err := checkName(name); err != nil {
		return "", err
	}
	units, _, err := s.core.Show(r.ctx, []string{name})
	if err != nil {
		return "", err
	}
	if len(units) != 1 {
		return "", newError(errNoSuchUnit, fmt.Sprintf("Unit %s not found.", name))
	}
	switch units[0].Properties.Value("LoadState") {
	case "not-found":
		return "", newError(errNoSuchUnit, fmt.Sprintf("Unit %s not found.", name))
	case "masked":
		return "", newError(errUnitMasked, fmt.Sprintf("Unit %s is masked.", name))
	case "error", "bad-setting":
		return "", newError(errLoadFailed, fmt.Sprintf("Unit %s failed to load properly.", name))
	}
	return units[0].Unit, nil
}
