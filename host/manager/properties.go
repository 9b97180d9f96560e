package manager

import (
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/unit"
)

// properties returns u's properties as systemctl show prints them, in its order.
//
// want tells which properties the caller asked for (api.Wanted): those that cost I/O are computed only then.
func (m *Manager) properties(u *Unit, want func(name string) bool) api.Properties {
	var ps api.Properties
	add := ps.Add
	var us unit.UnitSection
	var frag unit.Fragment
	if u.Frag != nil {
		us, frag = u.Frag.Unit, *u.Frag
	}
	add("Id", u.ID)
	add("Names", strings.Join(u.Names, " "))
	for _, kind := range unit.DepKinds() {
		k := string(kind)
		list := u.deps.get(k)
		switch k { // with the run-time links of handed-over connections
		case "Triggers":
			list = append(list[:len(list):len(list)], u.rareOf().triggers...)
		case "TriggeredBy":
			list = append(list[:len(list):len(list)], u.rareOf().triggeredBy...)
		}
		add(k, strings.Join(list, " "))
	}
	add("Documentation", strings.Join(quoteAll(us.Documentation), " "))
	add("Description", u.description())
	add("LoadState", string(u.LoadState))
	add("ActiveState", u.Active.String())
	add("SubState", u.Sub)
	add("FragmentPath", frag.FragmentPath)
	add("SourcePath", us.SourcePath)
	add("RequiresMountsFor", strings.Join(us.RequiresMountsFor, " "))
	add("DropInPaths", strings.Join(frag.DropInPaths, " "))
	if want("UnitFileState") {
		add("UnitFileState", m.unitFileState(u))
	}
	addStamp := func(name string, s stamp) { ps.Stamp(name, s.wallTime(), s.mono) }
	addStamp("StateChangeTimestamp", u.times.stateChange)
	addStamp("ActiveEnterTimestamp", u.times.activeEnter)
	addStamp("ActiveExitTimestamp", u.times.activeExit)
	addStamp("InactiveEnterTimestamp", u.times.inactiveEnter)
	addStamp("InactiveExitTimestamp", u.times.inactiveExit)
	startable := u.LoadState == unit.Loaded && !us.RefuseManualStart
	ps.Bool("CanStart", startable)
	ps.Bool("CanStop", u.LoadState == unit.Loaded && !us.RefuseManualStop)
	ps.Bool("CanReload", m.canReload(u))
	ps.Bool("CanIsolate", startable && us.AllowIsolate)
	if j := m.engine.Get(u.ID); j != nil {
		add("Job", strconv.FormatUint(j.ID, 10)+" "+j.Type.String())
	} else {
		add("Job", "")
	}
	ps.Bool("StopWhenUnneeded", us.StopWhenUnneeded)
	ps.Bool("RefuseManualStart", us.RefuseManualStart)
	ps.Bool("RefuseManualStop", us.RefuseManualStop)
	ps.Bool("AllowIsolate", us.AllowIsolate)
	ps.Bool("DefaultDependencies", us.DefaultDependencies)
	add("OnSuccessJobMode", us.OnSuccessJobMode)
	add("OnFailureJobMode", us.OnFailureJobMode)
	ps.Bool("IgnoreOnIsolate", us.IgnoreOnIsolate)
	if want("NeedDaemonReload") {
		ps.Bool("NeedDaemonReload", m.needReload(u.Frag))
	}
	ps.Span("JobTimeoutUSec", us.JobTimeout)
	ps.Span("JobRunningTimeoutUSec", us.JobRunningTimeout)
	add("JobTimeoutAction", us.JobTimeoutAction)
	ps.Span("StartLimitIntervalUSec", us.StartLimitInterval)
	add("StartLimitBurst", strconv.Itoa(us.StartLimitBurst))
	add("StartLimitAction", us.StartLimitAction)
	add("FailureAction", us.FailureAction)
	add("SuccessAction", us.SuccessAction)
	add("CollectMode", us.CollectMode)
	ps.Bool("Transient", m.isTransient(u))
	add("Perpetual", "no")
	add("InvocationID", u.invocationID) // systemctl's 32 hex digits; the D-Bus API sends the 16 bytes (ay)
	if u.LoadError != nil {
		add("LoadError", u.LoadError.Error())
	} else {
		add("LoadError", "")
	}
	// Not a systemd property: the state of the plugin serving the unit's type, for sctl status.
	add("PluginState", m.pg.unitState(u))
	addCheck := func(name string, r checkResult) {
		// A unit that never ran (or was collected since) shows no, as systemd does.
		ps.Bool(name+"Result", r.evaluated && r.ok)
		addStamp(name+"Timestamp", r.at)
	}
	addCheck("Condition", u.condition)
	addCheck("Assert", u.assert)
	rare := u.rareOf()
	ps = append(ps, checksProperty("Conditions", us.Conditions, rare.conditionStates),
		checksProperty("Asserts", us.Asserts, rare.assertStates)) // structprops.go
	// Not a systemd property: the check that failed, which systemctl status gets from the Conditions list.
	add("ConditionFailure", u.condition.reason)
	add("AssertFailure", u.assert.reason)
	result := u.Result
	if result == "" && !m.passive(u) {
		result = "success" // as systemd shows a unit that has not run (or was unloaded and loaded again)
	}
	add("Result", result)
	add("StatusText", u.StatusText)
	add("MainPID", strconv.Itoa(u.MainPid))
	add("ControlPID", strconv.Itoa(u.ControlPid))
	if !m.passive(u) {
		add("ExecMainPID", strconv.Itoa(u.execMain.pid))
		addStamp("ExecMainStartTimestamp", u.execMain.start)
		addStamp("ExecMainExitTimestamp", u.execMain.exit)
		add("ExecMainCode", strconv.Itoa(u.execMain.code))
		add("ExecMainStatus", strconv.Itoa(u.execMain.status))
		add("ExecProcesses", u.execProcesses()) // execstatus.go
		add("ControlGroup", m.controlGroup(u))
		if want("FreezerState") {
			add("FreezerState", string(m.freezerState(u)))
		}
		if _, ok := u.Annotations.get("Slice"); ok || u.Type == "slice" {
			add("Slice", sliceOf(u))
		}
		if want("MemoryCurrent") || want("TasksCurrent") {
			mem, tasks := m.usage(u)
			add("MemoryCurrent", strconv.FormatUint(mem, 10))
			add("TasksCurrent", strconv.FormatUint(tasks, 10))
		}
	}
	// The plugin's properties: the unit's settings as it parsed them, overridden by what it reported since.
	own := make(map[string]string, len(u.Settings)+len(u.Props))
	for k, v := range u.Settings.all() {
		own[k] = v
	}
	for k, v := range u.Props.all() {
		own[k] = v
	}
	structured := u.structuredProperties(own) // structprops.go
	names := make([]string, 0, len(own)+len(structured))
	for k := range own {
		names = append(names, k)
	}
	for k := range structured {
		if _, ok := own[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		if p, ok := structured[k]; ok {
			ps = append(ps, p)
			continue
		}
		add(k, own[k])
	}
	return ps
}

// unitFileState is u's UnitFileState: generated or transient by the directory of its file, else the loader's
// answer from the [Install] section and the links on the search path (systemd's unit_file_lookup_state).
func (m *Manager) unitFileState(u *Unit) string {
	switch {
	case u.LoadState == unit.Masked:
		return "masked"
	case u.Frag == nil || u.Frag.FragmentPath == "":
		return ""
	}
	if st := m.generatedOrTransient(u.Frag.FragmentPath); st != "" {
		return st
	}
	return m.loader.FileState(u.ID, m.runtimeUnitDir())
}

// fileState is unitFileState for a file not loaded as a unit: it reads only what install operations read.
func (m *Manager) fileState(f unit.FileInfo) string {
	if st := m.generatedOrTransient(f.Path); st != "" && !f.Masked && !f.Alias {
		return st
	}
	return m.loader.FileState(f.Name, m.runtimeUnitDir())
}

// runtimeUnitDir is where `--runtime` install operations write (the second directory of UnitPaths when there are
// three or more), or "".
func (m *Manager) runtimeUnitDir() string {
	if p := m.cfg.UnitPaths; len(p) >= 3 {
		return p[1]
	}
	return ""
}

// needReload reports whether a file the unit was read from changed since, or a drop-in directory appeared.
func (m *Manager) needReload(f *unit.Fragment) bool {
	if f == nil {
		return false
	}
	if m.loader != nil && m.loader.NewDropInDir(f) {
		return true
	}
	for _, mt := range f.ModTimes {
		st, err := os.Stat(mt.Path)
		if err != nil || !st.ModTime().Equal(mt.Time) {
			return true
		}
	}
	return false
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strconv.Quote(s)
	}
	return out
}

// passive reports whether u's type holds no processes (a target), so that process properties make no sense.
func (m *Manager) passive(u *Unit) bool {
	return m.plugins.Passive(u.Type)
}
