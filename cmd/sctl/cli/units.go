package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

func listUnits(e *env, args []string) int {
	resp, err := e.c.ListUnits(e.ctx, &controlv1.ListUnitsRequest{All: e.o.all, Types: e.o.types, States: e.o.states, Patterns: args})
	if err != nil {
		return e.callFailed("list units", err)
	}
	fmt.Fprint(e.stdout, formatUnits(resp.Units, e.o))
	return exitOK
}

// formatUnits is systemctl list-units' output.
func formatUnits(units []*controlv1.UnitStatus, o options) string {
	if o.isJSON() {
		var rows [][]string
		for _, u := range units {
			job := ""
			if u.JobId != 0 {
				job = u.JobType
			}
			rows = append(rows, []string{u.Name, u.LoadState, u.ActiveState, u.SubState, job, u.Description})
		}
		return tableJSON([]string{"unit", "load", "active", "sub", "job", "description"}, rows, o.output == "json-pretty")
	}
	var rows [][]string
	for _, u := range units {
		mark := "  "
		if u.ActiveState == "failed" || u.LoadState != "loaded" {
			mark = "● "
		}
		name := u.Name
		if !o.plain {
			name = mark + name
		}
		row := []string{name, u.LoadState, u.ActiveState, u.SubState}
		if u.JobId != 0 {
			row = append(row, u.JobType)
		} else if anyJob(units) {
			row = append(row, "")
		}
		rows = append(rows, append(row, u.Description))
	}
	if o.noLegend {
		return table(nil, rows)
	}
	header := []string{"  UNIT", "LOAD", "ACTIVE", "SUB"}
	if o.plain {
		header[0] = "UNIT"
	}
	if anyJob(units) {
		header = append(header, "JOB")
	}
	header = append(header, "DESCRIPTION")
	var b strings.Builder
	b.WriteString(table(header, rows))
	b.WriteString("\nLOAD   = Reflects whether the unit definition was properly loaded.\n")
	b.WriteString("ACTIVE = The high-level unit activation state, i.e. generalization of SUB.\n")
	b.WriteString("SUB    = The low-level unit activation state, values depend on unit type.\n")
	if anyJob(units) {
		b.WriteString("JOB    = Pending job for the unit.\n")
	}
	b.WriteString("\n")
	if o.all {
		fmt.Fprintf(&b, "%d loaded units listed.\n", len(units))
	} else {
		fmt.Fprintf(&b, "%d loaded units listed. Pass --all to see loaded but inactive units, too.\n", len(units))
	}
	b.WriteString("To show all installed unit files use 'sctl list-unit-files'.\n")
	return b.String()
}

func anyJob(units []*controlv1.UnitStatus) bool {
	for _, u := range units {
		if u.JobId != 0 {
			return true
		}
	}
	return false
}

func listUnitFiles(e *env, args []string) int {
	resp, err := e.c.ListUnitFiles(e.ctx, &controlv1.ListUnitFilesRequest{Types: e.o.types, States: e.o.states, Patterns: args})
	if err != nil {
		return e.callFailed("list unit files", err)
	}
	fmt.Fprint(e.stdout, formatUnitFiles(resp.Files, e.o))
	return exitOK
}

// formatUnitFiles is systemctl's table: sorted by type, then name (compare_unit_file_list), and no preset for
// the states it would only confuse (show_preset_for_state: alias, static, generated, transient).
func formatUnitFiles(files []*controlv1.UnitFile, o options) string {
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b *controlv1.UnitFile) int {
		na, nb := strings.ToLower(baseName(a.Path)), strings.ToLower(baseName(b.Path))
		if c := strings.Compare(na[strings.LastIndexByte(na, '.')+1:], nb[strings.LastIndexByte(nb, '.')+1:]); c != 0 {
			return c
		}
		return strings.Compare(na, nb)
	})
	var rows [][]string
	for _, f := range files {
		preset := f.Preset
		switch f.State {
		case "alias", "static", "generated", "transient":
			preset = ""
		}
		if preset == "" {
			preset = "-"
		}
		rows = append(rows, []string{baseName(f.Path), f.State, preset})
	}
	if o.isJSON() {
		return tableJSON([]string{"unit file", "state", "preset"}, rows, o.output == "json-pretty")
	}
	if o.noLegend {
		return table(nil, rows)
	}
	return table([]string{"UNIT FILE", "STATE", "PRESET"}, rows) + fmt.Sprintf("\n%d unit files listed.\n", len(files))
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func listJobs(e *env, _ []string) int {
	resp, err := e.c.ListJobs(e.ctx, &controlv1.ListJobsRequest{})
	if err != nil {
		return e.callFailed("list jobs", err)
	}
	fmt.Fprint(e.stdout, formatJobs(resp.Jobs, e.o))
	return exitOK
}

func formatJobs(jobs []*controlv1.JobInfo, o options) string {
	if o.isJSON() {
		var rows [][]string
		for _, j := range jobs {
			rows = append(rows, []string{strconv.FormatUint(j.Id, 10), j.Unit, j.Type, j.State})
		}
		return tableJSON([]string{"job", "unit", "type", "state"}, rows, o.output == "json-pretty")
	}
	if len(jobs) == 0 {
		if o.noLegend {
			return ""
		}
		return "No jobs running.\n"
	}
	var rows [][]string
	for _, j := range jobs {
		rows = append(rows, []string{strconv.FormatUint(j.Id, 10), j.Unit, j.Type, j.State})
	}
	if o.noLegend {
		return table(nil, rows)
	}
	return table([]string{"JOB", "UNIT", "TYPE", "STATE"}, rows) + fmt.Sprintf("\n%d jobs listed.\n", len(jobs))
}

func listPlugins(e *env, _ []string) int {
	resp, err := e.c.ListPlugins(e.ctx, &controlv1.ListPluginsRequest{})
	if err != nil {
		return e.callFailed("list plugins", err)
	}
	fmt.Fprint(e.stdout, formatPlugins(resp.Plugins, e.o))
	return exitOK
}

// formatPlugins is list-plugins' table: type, binary, digest (of the running plugin's binary when one runs),
// pid, units, version, restarts, time of the last live swap, state (with the last crash or launch error).
func formatPlugins(ps []*controlv1.PluginInfo, o options) string {
	var rows [][]string
	for _, p := range ps {
		sum := p.Sha256
		if p.RunningSha256 != "" {
			sum = p.RunningSha256
		}
		if !o.full && len(sum) > 12 {
			sum = sum[:12]
		}
		pid := "-"
		if p.Pid != 0 {
			pid = strconv.FormatInt(p.Pid, 10)
		}
		swap := "-"
		if p.LastSwapUsec != 0 {
			swap = time.UnixMicro(p.LastSwapUsec).Format("15:04:05")
			if o.full {
				swap = time.UnixMicro(p.LastSwapUsec).Format(time.RFC3339)
			}
		}
		state := p.State
		if p.RunningSha256 != "" && p.Sha256 != "" && p.RunningSha256 != p.Sha256 {
			state += " (binary changed on disk)"
		}
		if p.Error != "" {
			state += " (" + p.Error + ")"
		}
		rows = append(rows, []string{p.Type, p.Path, orDash(sum), pid, strconv.Itoa(int(p.Units)), orDash(p.Version),
			strconv.Itoa(int(p.Restarts)), swap, state})
	}
	if o.noLegend {
		return table(nil, rows)
	}
	return table([]string{"TYPE", "BINARY", "SHA256", "PID", "UNITS", "VERSION", "RESTARTS", "SWAPPED", "STATE"}, rows) +
		fmt.Sprintf("\n%d plugins listed.\n", len(ps))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func reloadPlugin(e *env, args []string) int {
	req := &controlv1.ReloadPluginRequest{Type: args[0]}
	if len(args) > 1 {
		req.Path = args[1]
	}
	if len(args) > 2 {
		e.errorf("Too many arguments.")
		return exitFailure
	}
	resp, err := e.c.ReloadPlugin(e.ctx, req)
	if err != nil {
		return e.callFailed("reload plugin "+args[0], err)
	}
	if !e.o.quiet {
		fmt.Fprint(e.stdout, formatSwap(args[0], resp))
	}
	return exitOK
}

// formatSwap is reload-plugin's report of a swap.
func formatSwap(typ string, r *controlv1.ReloadPluginResponse) string {
	old := "no running plugin"
	if r.OldPid != 0 {
		old = fmt.Sprintf("%s (pid %d)", r.OldVersion, r.OldPid)
	}
	sum := r.Sha256
	if len(sum) > 12 {
		sum = sum[:12]
	}
	return fmt.Sprintf("Plugin %s: %s replaced by %s (pid %d, sha256 %s); %d units re-parsed; loop held for %s.\n",
		typ, old, r.NewVersion, r.NewPid, sum, r.Units, time.Duration(r.PauseUsec)*time.Microsecond)
}
