package cli

import (
	"fmt"
	"strconv"
	"strings"

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

func formatUnitFiles(files []*controlv1.UnitFile, o options) string {
	var rows [][]string
	for _, f := range files {
		preset := f.Preset
		if preset == "" {
			preset = "-"
		}
		rows = append(rows, []string{baseName(f.Path), f.State, preset})
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

// formatPlugins is list-plugins' table: type, binary, digest, pid, units, state (with the last launch error).
func formatPlugins(ps []*controlv1.PluginInfo, o options) string {
	var rows [][]string
	for _, p := range ps {
		sum := p.Sha256
		if !o.full && len(sum) > 12 {
			sum = sum[:12]
		}
		if sum == "" {
			sum = "-"
		}
		pid := "-"
		if p.Pid != 0 {
			pid = strconv.FormatInt(p.Pid, 10)
		}
		state := p.State
		if p.Error != "" {
			state += " (" + p.Error + ")"
		}
		rows = append(rows, []string{p.Type, p.Path, sum, pid, strconv.Itoa(int(p.Units)), state})
	}
	if o.noLegend {
		return table(nil, rows)
	}
	return table([]string{"TYPE", "BINARY", "SHA256", "PID", "UNITS", "STATE"}, rows) + fmt.Sprintf("\n%d plugins listed.\n", len(ps))
}
