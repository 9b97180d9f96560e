package dbusapi

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// The Manager's and the Unit objects' methods on units: lookups, lists, jobs, kill and reset-failed.

func init() {
	handle(managerIface, "GetUnit", false, (*Server).getUnit)
	handle(managerIface, "LoadUnit", false, (*Server).loadUnit)
	handle(managerIface, "GetUnitByPID", false, (*Server).getUnitByPID)
	handle(managerIface, "GetUnitByInvocationID", false, (*Server).getUnitByInvocationID)
	handle(managerIface, "ListUnits", false, func(s *Server, r *request) ([]any, error) {
		return s.listUnits(r, api.UnitFilter{All: true}, nil)
	})
	handle(managerIface, "ListUnitsFiltered", false, func(s *Server, r *request) ([]any, error) {
		return s.listUnits(r, api.UnitFilter{All: true, States: r.args[0].([]string)}, nil)
	})
	handle(managerIface, "ListUnitsByPatterns", false, func(s *Server, r *request) ([]any, error) {
		return s.listUnits(r, api.UnitFilter{All: true, States: r.args[0].([]string), Patterns: r.args[1].([]string)}, nil)
	})
	handle(managerIface, "ListUnitsByNames", false, func(s *Server, r *request) ([]any, error) {
		return s.listUnits(r, api.UnitFilter{All: true}, r.args[0].([]string))
	})
	for method, t := range map[string]string{
		"StartUnit": "start", "StopUnit": "stop", "ReloadUnit": "reload", "RestartUnit": "restart",
		"TryRestartUnit": "try-restart", "ReloadOrRestartUnit": "reload-or-restart",
		"ReloadOrTryRestartUnit": "reload-or-try-restart",
	} {
		handle(managerIface, method, true, func(s *Server, r *request) ([]any, error) {
			return s.enqueue(r, r.args[0].(string), t, r.args[1].(string))
		})
		// The Unit object's own method: Start(s mode) and so on.
		handle(unitIface, strings.TrimSuffix(method, "Unit"), true, func(s *Server, r *request) ([]any, error) {
			return s.enqueue(r, r.unit, t, r.args[0].(string))
		})
	}
	handle(managerIface, "StartUnitReplace", true, func(s *Server, r *request) ([]any, error) {
		// systemd replaces only a job of the first unit; the core replaces conflicting jobs in its own mode.
		return s.enqueue(r, r.args[1].(string), "start", r.args[2].(string))
	})
	handle(managerIface, "EnqueueUnitJob", true, (*Server).enqueueUnitJob)
	handle(managerIface, "KillUnit", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.kill(r, r.args[0].(string), r.args[1].(string), r.args[2].(int32))
	})
	handle(unitIface, "Kill", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.kill(r, r.unit, r.args[0].(string), r.args[1].(int32))
	})
	handle(managerIface, "ResetFailedUnit", true, func(s *Server, r *request) ([]any, error) {
		name, err := checkName(r.args[0].(string))
		if err != nil {
			return nil, err
		}
		return nil, s.core.ResetFailed(r.ctx, []string{name})
	})
	handle(unitIface, "ResetFailed", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.ResetFailed(r.ctx, []string{r.unit})
	})
	handle(managerIface, "ResetFailed", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.ResetFailed(r.ctx, nil)
	})
}

// checkName refuses what is not a unit name, with systemd's error.
func checkName(name string) (string, error) {
	if !unitname.Valid(name) {
		return "", newError(errInvalidArgs, fmt.Sprintf("Unit name %s is not valid.", name))
	}
	return name, nil
}

// loaded returns the id name is loaded as; NoSuchUnit when it is not loaded.
func (s *Server) loaded(r *request, name string) (string, error) {
	if _, err := checkName(name); err != nil {
		return "", err
	}
	st, err := s.core.LoadedUnit(r.ctx, name)
	if err != nil {
		return "", err
	}
	if st == nil {
		return "", newError(errNoSuchUnit, fmt.Sprintf("Unit %s not loaded.", name))
	}
	return st.Name, nil
}

func (s *Server) getUnit(r *request) ([]any, error) {
	id, err := s.loaded(r, r.args[0].(string))
	if err != nil {
		return nil, err
	}
	return []any{unitPath(id)}, nil
}

// loadUnit loads the unit (a unit that does not exist loads as not-found, as in systemd) and returns its path.
func (s *Server) loadUnit(r *request) ([]any, error) {
	name, err := checkName(r.args[0].(string))
	if err != nil {
		return nil, err
	}
	units, _, err := s.core.Show(r.ctx, []string{name})
	if err != nil {
		return nil, err
	}
	if len(units) > 0 {
		name = units[0].Unit
	}
	return []any{unitPath(name)}, nil
}

func (s *Server) getUnitByPID(r *request) ([]any, error) {
	pid := int(r.args[0].(uint32))
	if pid == 0 { // the caller's own, as in systemd
		pid = r.c.peerPid(r)
	}
	name, err := s.core.UnitByPID(r.ctx, pid)
	if err != nil {
		return nil, newError(errNoUnitForPID, fmt.Sprintf("PID %d does not belong to any loaded unit.", pid))
	}
	return []any{unitPath(name)}, nil
}

// getUnitByInvocationID finds the unit of an invocation id (16 bytes; none, or 16 zeros, is the caller's own unit),
// as systemd's method_get_unit_by_invocation_id. systemd answers with a path that names the invocation (valid only
// while it lasts); sysmaster answers with the unit's own path.
func (s *Server) getUnitByInvocationID(r *request) ([]any, error) {
	id := r.args[0].([]byte)
	if len(id) != 0 && len(id) != 16 {
		return nil, newError(errInvalidArgs, "Invalid invocation ID")
	}
	if len(id) == 0 || bytes.Equal(id, make([]byte, 16)) {
		pid := r.c.peerPid(r)
		name, err := s.core.UnitByPID(r.ctx, pid)
		if err != nil {
			return nil, newError(errNoSuchUnit, fmt.Sprintf("Client %d not member of any unit.", pid))
		}
		return []any{unitPath(name)}, nil
	}
	name, err := s.core.UnitByInvocationID(r.ctx, hex.EncodeToString(id))
	if err != nil {
		return nil, newError(errNoUnitForInvID, fmt.Sprintf("No unit with the specified invocation ID %x known.", id))
	}
	return []any{unitPath(name)}, nil
}

// unitListEntry is a line of ListUnits: a(ssssssouso).
type unitListEntry struct {
	Name, Description, LoadState, ActiveState, SubState, Following string
	Path                                                           dbus.ObjectPath
	JobID                                                          uint32
	JobType                                                        string
	JobPath                                                        dbus.ObjectPath
}

// listUnits lists the loaded units the filter selects; with names, those units (loading them), in that order.
func (s *Server) listUnits(r *request, f api.UnitFilter, names []string) ([]any, error) {
	for i, p := range f.Patterns { // systemd matches patterns with fnmatch; so does path.Match, but checks them
		if _, err := path.Match(p, ""); err != nil {
			return nil, newError(errInvalidArgs, fmt.Sprintf("Invalid pattern %q.", f.Patterns[i]))
		}
	}
	var units []api.UnitStatus
	var err error
	if names != nil {
		for _, n := range names {
			if _, err := checkName(n); err != nil {
				return nil, err
			}
		}
		shown, _, err := s.core.Show(r.ctx, names) // loads them
		if err != nil {
			return nil, err
		}
		all, err := s.core.ListUnits(r.ctx, f)
		if err != nil {
			return nil, err
		}
		byName := map[string]api.UnitStatus{}
		for _, u := range all {
			byName[u.Name] = u
		}
		// One entry for each name, as systemd's: a unit that does not exist (not-found) is collected again
		// at once and is no longer listed, so its entry comes from what Show found.
		for _, p := range shown {
			v := p.Properties.Value
			if _, ok := byName[p.Unit]; !ok {
				byName[p.Unit] = api.UnitStatus{Name: p.Unit, Description: v("Description"), LoadState: v("LoadState"),
					ActiveState: v("ActiveState"), SubState: v("SubState")}
			}
		}
		for _, n := range names {
			if u, ok := byName[n]; ok {
				units = append(units, u)
			}
		}
	} else if units, err = s.core.ListUnits(r.ctx, f); err != nil {
		return nil, err
	}
	out := make([]unitListEntry, 0, len(units))
	for _, u := range units {
		e := unitListEntry{Name: u.Name, Description: u.Description, LoadState: u.LoadState, ActiveState: u.ActiveState,
			SubState: u.SubState, Path: unitPath(u.Name), JobPath: "/"}
		if u.JobID != 0 {
			e.JobID, e.JobType, e.JobPath = uint32(u.JobID), u.JobType, jobPath(u.JobID)
		}
		out = append(out, e)
	}
	return []any{out}, nil
}

// jobMode parses a job mode as systemd names them.
func jobMode(s string) (job.Mode, error) {
	m, err := job.ParseMode(s)
	if err != nil {
		return "", newError(errInvalidArgs, fmt.Sprintf("Job mode %s invalid.", s))
	}
	return m, nil
}

// enqueue enqueues a job of type t (a job type or systemctl's verb) for the unit and returns its job's path.
func (s *Server) enqueue(r *request, name string, t string, mode string) ([]any, error) {
	jobs, err := s.enqueueJobs(r, name, t, mode)
	if err != nil {
		return nil, err
	}
	return []any{jobPath(jobs[0].ID)}, nil
}

func (s *Server) enqueueJobs(r *request, name string, typ string, mode string) ([]api.JobInfo, error) {
	if _, err := checkName(name); err != nil {
		return nil, err
	}
	m, err := jobMode(mode)
	if err != nil {
		return nil, err
	}
	// systemd's bus_unit_queue_job with reload_if_possible: a unit that can reload gets JOB_RELOAD_OR_START
	// (reload if active, else start) for ReloadOrRestart, JOB_TRY_RELOAD for ReloadOrTryRestart; the others
	// restart and try-restart.
	if typ == "reload-or-restart" || typ == "reload-or-try-restart" {
		canReload := false
		if units, _, err := s.core.Show(r.ctx, []string{name}); err == nil && len(units) == 1 {
			canReload = units[0].Properties.Value("CanReload") == "yes"
		}
		switch {
		case typ == "reload-or-restart" && canReload:
			typ = "reload-or-start"
		case typ == "reload-or-restart":
			typ = "restart"
		case canReload:
			typ = "try-reload"
		default:
			typ = "try-restart"
		}
	}
	t, err := job.ParseType(typ)
	if err != nil {
		return nil, newError(errInvalidArgs, fmt.Sprintf("Job type %s invalid.", typ))
	}
	if typ == "isolate" {
		m = job.Isolate
	}
	jobs, err := s.core.Enqueue(r.ctx, []string{name}, t, m, true)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, newError(errFailed, fmt.Sprintf("No job was enqueued for %s.", name))
	}
	return jobs, nil
}

// affectedJob is an entry of EnqueueUnitJob's list of the other jobs: a(uosos).
type affectedJob struct {
	ID       uint32
	Path     dbus.ObjectPath
	Unit     string
	UnitPath dbus.ObjectPath
	Type     string
}

// enqueueUnitJob is systemctl --show-transaction's call: the job, and the jobs it pulled in.
func (s *Server) enqueueUnitJob(r *request) ([]any, error) {
	name, typ, mode := r.args[0].(string), r.args[1].(string), r.args[2].(string)
	jobs, err := s.enqueueJobs(r, name, typ, mode)
	if err != nil {
		return nil, err
	}
	j := jobs[0]
	affected := []affectedJob{}
	for _, o := range jobs[1:] {
		affected = append(affected, affectedJob{uint32(o.ID), jobPath(o.ID), o.Unit, unitPath(o.Unit), o.Type})
	}
	return []any{uint32(j.ID), jobPath(j.ID), j.Unit, unitPath(j.Unit), j.Type, affected}, nil
}

// kill sends signal to whom ("main", "control", "all"; systemd's "-fail" variants fail when nothing was killed,
// which the core's Kill does when the unit is down).
func (s *Server) kill(r *request, name, whom string, signal int32) error {
	if _, err := checkName(name); err != nil {
		return err
	}
	w := strings.TrimSuffix(whom, "-fail")
	switch w {
	case "":
		w = "all"
	case "all", "main", "control":
	default:
		return newError(errInvalidArgs, fmt.Sprintf("Invalid who argument %s", whom))
	}
	if signal < 1 || signal > 64 {
		return newError(errInvalidArgs, fmt.Sprintf("Signal number out of range: %d", signal))
	}
	return s.core.Kill(r.ctx, []string{name}, w, signal)
}
