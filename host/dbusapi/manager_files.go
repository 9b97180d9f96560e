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

// changeFiles carries out an install operation; withInfo prepends carries_install_info.
func (s *Server) changeFiles(r *request, op string, files []string, runtime, withInfo bool) ([]any, error) {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f) // systemctl passes names, or paths of unit files to link
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
