package dbusapi

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/unit"
)

// The Manager's methods on unit files: lists, states, and the install operations, which reload the manager as
// `sctl enable` does (systemctl then calls Reload itself too, which is harmless).

// Flags of the *WithFlags methods (sd-bus's SD_SYSTEMD_UNIT_*).
const (
	flagRuntime = 1 << 0
	flagForce   = 1 << 1
)

func init() {
	handle(managerIface, "ListUnitFiles", false, func(s *Server, r *request) ([]any, error) {
		return s.listUnitFiles(r, api.UnitFilter{})
	})
	handle(managerIface, "ListUnitFilesByPatterns", false, func(s *Server, r *request) ([]any, error) {
		return s.listUnitFiles(r, api.UnitFilter{States: r.args[0].([]string), Patterns: r.args[1].([]string)})
	})
	handle(managerIface, "GetUnitFileState", false, (*Server).getUnitFileState)
	// asbb: files, runtime, force → carries_install_info, changes
	for method, op := range map[string]string{"EnableUnitFiles": "enable", "ReenableUnitFiles": "reenable", "PresetUnitFiles": "preset"} {
		handle(managerIface, method, true, func(s *Server, r *request) ([]any, error) {
			return s.changeFiles(r, op, r.args[0].([]string), r.args[1].(bool), true)
		})
	}
	handle(managerIface, "EnableUnitFilesWithFlags", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFiles(r, "enable", r.args[0].([]string), r.args[1].(uint64)&flagRuntime != 0, true)
	})
	handle(managerIface, "DisableUnitFilesWithFlags", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFiles(r, "disable", r.args[0].([]string), r.args[1].(uint64)&flagRuntime != 0, false)
	})
	handle(managerIface, "DisableUnitFiles", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFiles(r, "disable", r.args[0].([]string), r.args[1].(bool), false)
	})
	handle(managerIface, "MaskUnitFiles", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFiles(r, "mask", r.args[0].([]string), r.args[1].(bool), false)
	})
	handle(managerIface, "UnmaskUnitFiles", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFiles(r, "unmask", r.args[0].([]string), r.args[1].(bool), false)
	})
	handle(managerIface, "PresetAllUnitFiles", true, func(s *Server, r *request) ([]any, error) {
		if mode := r.args[0].(string); mode != "" && mode != "full" {
			return nil, newError(errNotSupported, fmt.Sprintf("Preset mode %s is not supported by sysmaster (only full).", mode))
		}
		out, err := s.changeFiles(r, "preset-all", nil, r.args[1].(bool), false)
		return out, err
	})
	handle(managerIface, "GetDefaultTarget", false, (*Server).getDefaultTarget)
	handle(managerIface, "SetDefaultTarget", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFilesRaw(r, "set-default", []string{filepath.Base(r.args[0].(string))}, false)
	})
	handle(managerIface, "LinkUnitFiles", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFilesRaw(r, "link", r.args[0].([]string), r.args[1].(bool)) // absolute paths
	})
	handle(managerIface, "RevertUnitFiles", true, func(s *Server, r *request) ([]any, error) {
		return s.changeFiles(r, "revert", r.args[0].([]string), false, false)
	})
	handle(managerIface, "AddDependencyUnitFiles", true, func(s *Server, r *request) ([]any, error) {
		op := map[string]string{"Wants": "add-wants", "Requires": "add-requires"}[r.args[2].(string)]
		if op == "" {
			return nil, newError(errInvalidArgs, fmt.Sprintf("Invalid dependency type %s (Wants or Requires).", r.args[2]))
		}
		units := append([]string{r.args[1].(string)}, r.args[0].([]string)...)
		return s.changeFilesRaw(r, op, units, r.args[3].(bool))
	})
}

// fileEntry is a line of ListUnitFiles: a(ss).
type fileEntry struct{ Path, State string }

func (s *Server) listUnitFiles(r *request, f api.UnitFilter) ([]any, error) {
	files, err := s.core.ListUnitFiles(r.ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]fileEntry, 0, len(files))
	for _, fi := range files {
		out = append(out, fileEntry{fi.Path, fi.State})
	}
	return []any{out}, nil
}

func (s *Server) getUnitFileState(r *request) ([]any, error) {
	name := filepath.Base(r.args[0].(string))
	if _, err := checkName(name); err != nil {
		return nil, err
	}
	files, err := s.core.ListUnitFiles(r.ctx, api.UnitFilter{Patterns: []string{globQuote(name)}})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if filepath.Base(f.Path) == name {
			return []any{f.State}, nil
		}
	}
	return nil, newError(errNoSuchUnit, fmt.Sprintf("Unit file %s does not exist.", name))
}

// globQuote escapes name's glob characters, so that it matches itself only.
func globQuote(name string) string {
	var b strings.Builder
	for _, c := range name {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// changeEntry is one change of an install operation: a(sss) type, file, source.
type changeEntry struct{ Type, File, Source string }

// changeFiles carries out an install operation on units named by name or path; withInfo prepends
// carries_install_info.
func (s *Server) changeFiles(r *request, op string, files []string, runtime, withInfo bool) ([]any, error) {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	changes, err := s.core.ChangeUnitFiles(r.ctx, op, names, runtime)
	if err != nil {
		return nil, err
	}
	out := toChanges(changes)
	if withInfo {
		return []any{len(changes) > 0 || op != "enable", out}, nil
	}
	return []any{out}, nil
}

func toChanges(changes []unit.Change) []changeEntry {
	out := make([]changeEntry, 0, len(changes))
	for _, c := range changes {
		out = append(out, changeEntry{c.Type, c.Path, c.Source})
	}
	return out
}

func (s *Server) getDefaultTarget(r *request) ([]any, error) {
	units, _, err := s.core.Show(r.ctx, []string{"default.target"})
	if err != nil {
		return nil, err
	}
	if len(units) == 0 || units[0].Properties.Value("LoadState") != "loaded" {
		return nil, newError(errNoSuchUnit, "No default target set.")
	}
	return []any{units[0].Unit}, nil
}

// changeFilesRaw carries out an operation whose arguments the core takes as they are.
func (s *Server) changeFilesRaw(r *request, op string, args []string, runtime bool) ([]any, error) {
	changes, err := s.core.ChangeUnitFiles(r.ctx, op, args, runtime)
	if err != nil {
		return nil, err
	}
	return []any{toChanges(changes)}, nil
}
