package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
	"github.com/sysmaster/sysmaster/sdk/exec"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

func status(e *env, args []string) int {
	if len(args) == 0 {
		return systemStatus(e)
	}
	var names []string
	for _, a := range args {
		if pid, err := strconv.Atoi(a); err == nil && pid > 0 {
			// status PID: the unit of that process, as systemctl's GetUnitByPID, read from its cgroup.
			u, err := unitOfPid(pid)
			if err != nil {
				e.errorf("Failed to get unit for PID %d: %v", pid, err)
				return exitNoSuchUnit
			}
			names = append(names, u)
			continue
		}
		names = append(names, a)
	}
	units, err := e.expandNames(names)
	if err != nil {
		return e.callFailed("expand unit names", err)
	}
	if nothingMatched(names, units) {
		return exitOK
	}
	if units, err = e.withDependencies(units); err != nil {
		return e.callFailed("list dependencies", err)
	}
	var md metadata.MD
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: units, All: true}, grpc.Header(&md))
	if err != nil {
		return e.callFailed("get unit status", err)
	}
	defer e.warnings(md)
	code := exitOK
	first := true
	for _, u := range resp.Units {
		p := props(u.Properties)
		// A unit with a file whose type no plugin serves is not-found too: its status says why (LoadError).
		if p["LoadState"] == "not-found" && p["FragmentPath"] == "" && p["ActiveState"] == "inactive" {
			e.errorf("Unit %s could not be found.", u.Unit)
			code = max(code, exitNoSuchUnit)
			continue
		}
		if !first {
			fmt.Fprintln(e.stdout)
		}
		first = false
		fmt.Fprint(e.stdout, formatStatus(p, time.Now(), isTTY()))
		for _, d := range strings.Fields(p["UnenforcedDirectives"]) {
			fmt.Fprintf(e.stdout, "Warning: %s is not enforced by sysmaster (docs/sandboxing.md).\n", d)
		}
		e.statusLog(u.Unit)
		if p["NeedDaemonReload"] == "yes" {
			fmt.Fprintf(e.stdout, "Warning: The unit file, source configuration file or drop-ins of %s changed on disk. Run 'sctl daemon-reload' to reload units.\n", u.Unit)
		}
		if st := p["ActiveState"]; st != "active" && st != "reloading" && code == exitOK {
			code = exitNotActive
		}
	}
	return code
}

func props(ps []*controlv1.Property) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

// formatStatus is systemctl status' header for one unit.
func formatStatus(p map[string]string, now time.Time, color bool) string {
	var b strings.Builder
	bullet := "●"
	if color {
		switch p["ActiveState"] {
		case "active", "reloading":
			bullet = "\x1b[0;1;32m●\x1b[0m"
		case "failed":
			bullet = "\x1b[0;1;31m●\x1b[0m"
		}
	}
	fmt.Fprintf(&b, "%s %s", bullet, p["Id"])
	if d := p["Description"]; d != "" && d != p["Id"] {
		fmt.Fprintf(&b, " - %s", d)
	}
	b.WriteString("\n")
	line := func(label, value string) { fmt.Fprintf(&b, "%12s %s\n", label+":", value) }

	loaded := p["LoadState"]
	var detail []string
	if fp := p["FragmentPath"]; fp != "" {
		detail = append(detail, fp)
	}
	if s := p["UnitFileState"]; s != "" {
		detail = append(detail, s)
	}
	switch {
	case loaded != "loaded" && p["LoadError"] != "":
		loaded += " (Reason: " + p["LoadError"] + ")"
	case len(detail) > 0:
		loaded += " (" + strings.Join(detail, "; ") + ")"
	}
	line("Loaded", loaded)
	if f := p["Following"]; f != "" {
		line("Follows", "unit currently follows state of "+f)
	}
	// A unit whose type's plugin crashed too often: its events wait until the plugin is launched again.
	if ps := p["PluginState"]; strings.HasPrefix(ps, "backoff") || strings.HasPrefix(ps, "failed") || strings.Contains(ps, "held") {
		line("Plugin", p["Id"][strings.LastIndexByte(p["Id"], '.')+1:]+" plugin "+ps)
	}
	if dropins := strings.Fields(p["DropInPaths"]); len(dropins) > 0 {
		line("Drop-In", formatDropIns(dropins))
	}
	active := p["ActiveState"]
	if sub := p["SubState"]; sub != "" && sub != active { // systemctl: "failed", not "failed (failed)"
		active += " (" + sub + ")"
	}
	if p["Result"] != "" && p["Result"] != "success" && p["ActiveState"] == "failed" {
		active += " (Result: " + p["Result"] + ")"
	}
	if fs := p["FreezerState"]; fs != "" && fs != "running" { // systemctl's "(frozen)", "(freezing)", …
		active += " (" + fs + ")"
	}
	since := p["ActiveEnterTimestamp"]
	if p["ActiveState"] != "active" && p["ActiveState"] != "reloading" {
		since = p["InactiveEnterTimestamp"]
	}
	if since != "" {
		active += " since " + since
		if t, err := time.Parse("Mon 2006-01-02 15:04:05 MST", since); err == nil {
			active += "; " + ago(now.Sub(t)) + " ago"
		}
	}
	line("Active", active)
	for _, c := range []struct{ kind, result, failure, stamp string }{
		{"condition", "ConditionResult", "ConditionFailure", "ConditionTimestamp"},
		{"assertion", "AssertResult", "AssertFailure", "AssertTimestamp"},
	} {
		// A check that never ran also reads "no": only one with a time failed (systemctl's condition_timestamp).
		if p[c.result] != "no" || p[c.stamp] == "" {
			continue
		}
		label, verb := "Condition", "unmet"
		if c.kind == "assertion" {
			label, verb = "Assert", "failed"
		}
		at := ""
		if ts := p[c.stamp]; ts != "" {
			at = " at " + ts
		}
		line(label, fmt.Sprintf("start %s %s%s", c.kind, verb, at))
		if f := p[c.failure]; f != "" {
			fmt.Fprintf(&b, "%12s └─ %s\n", "", f)
		}
	}
	if strings.HasSuffix(p["Id"], ".timer") {
		// systemctl's Trigger: the next elapse as list-timers computes it, and the units the timer starts.
		nw := clockNow()
		nw.real = uint64(now.UnixMicro())
		trigger := "n/a" // systemctl status writes n/a here, list-timers "-"
		if next := nextElapse(p, nw); next != 0 {
			trigger = absTime(next) + "; " + relTime(next, nw.real)
		}
		line("Trigger", trigger)
		if t := strings.Fields(p["Triggers"]); len(t) > 0 {
			line("Triggers", "● "+strings.Join(t, "\n"+strings.Repeat(" ", 13)+"● "))
		}
	}
	if d := p["SysFSPath"]; d != "" {
		line("Device", d)
	}
	if strings.HasSuffix(p["Id"], ".mount") {
		// systemctl shows Where and What; Type and Options say the rest of what is mounted.
		for _, k := range []string{"Where", "What", "Type", "Options"} {
			if v := p[k]; v != "" {
				line(k, v)
			}
		}
	}
	// TriggeredBy:, Triggers:, Docs: and Listen: as systemctl lists them, one entry a line.
	list := func(label string, entries []string, bullet bool) {
		for i, v := range entries {
			if bullet {
				v = "● " + v
			}
			if i == 0 {
				line(label, v)
			} else {
				fmt.Fprintf(&b, "%12s %s\n", "", v)
			}
		}
	}
	list("TriggeredBy", strings.Fields(p["TriggeredBy"]), true)
	list("Triggers", strings.Fields(p["Triggers"]), true)
	var docs []string
	for _, d := range strings.Fields(p["Documentation"]) { // quoted, as show prints it
		if u, err := strconv.Unquote(d); err == nil {
			d = u
		}
		docs = append(docs, d)
	}
	list("Docs", docs, false)
	var listen []string
	for _, l := range strings.Split(p["Listen"], "\n") {
		if l != "" {
			listen = append(listen, l)
		}
	}
	list("Listen", listen, false)
	// One line per command of this activation that ended, systemctl's "Process: PID ExecStartPre=… (code=…)"; a
	// main process that ended has its Main PID: line too, as with systemctl.
	for _, l := range strings.Split(p["ExecProcesses"], "\n") {
		f := strings.SplitN(l, "\t", 5)
		if len(f) != 5 {
			continue
		}
		c, _ := strconv.Atoi(f[2])
		st, _ := strconv.Atoi(f[3])
		line("Process", fmt.Sprintf("%s %s=%s (%s)", f[0], f[1], f[4], exec.DescribeStatus(int32(c), int32(st))))
	}
	if pid := p["MainPID"]; pid != "" && pid != "0" {
		comm := ""
		if c, err := os.ReadFile("/proc/" + pid + "/comm"); err == nil {
			comm = " (" + strings.TrimSpace(string(c)) + ")"
		}
		line("Main PID", pid+comm)
	} else if pid, code := p["ExecMainPID"], p["ExecMainCode"]; pid != "" && pid != "0" && code != "" && code != "0" {
		// The main process has ended: how, as systemctl says it ("code=exited, status=203/EXEC").
		c, _ := strconv.Atoi(code)
		st, _ := strconv.Atoi(p["ExecMainStatus"])
		line("Main PID", fmt.Sprintf("%s (%s)", pid, exec.DescribeStatus(int32(c), int32(st))))
	}
	if st := p["StatusText"]; st != "" {
		line("Status", strconv.Quote(st))
	}
	if t := p["TasksCurrent"]; t != "" && t != notSet {
		line("Tasks", t)
	}
	if mem := p["MemoryCurrent"]; mem != "" && mem != notSet {
		if n, err := strconv.ParseUint(mem, 10, 64); err == nil {
			line("Memory", formatBytes(n))
		}
	}
	if cg := p["ControlGroup"]; cg != "" {
		line("CGroup", cg)
		if dir := cgroupDir(cg); dir != "" {
			cgroupTree(&b, dir, strings.Repeat(" ", 13))
		}
	}
	return b.String()
}

// cgroupDir is the directory of the cgroup at path (as ControlGroup shows it) in the hierarchy that tracks
// processes: name=systemd on a hybrid or v1 system, the unified one on v2; "" when there is none.
func cgroupDir(path string) string {
	for _, root := range []string{"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		dir := filepath.Join(root, path)
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil {
			return dir
		}
	}
	return ""
}

// cgroupTree prints the processes of the cgroup dir, then the cgroups below it (a slice's units, a delegated
// service's own groups) with theirs, as systemctl status draws its CGroup: tree.
func cgroupTree(b *strings.Builder, dir, indent string) {
	procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	pids := strings.Fields(string(procs))
	var kids []string
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if e.IsDir() {
				kids = append(kids, e.Name())
			}
		}
	}
	n := len(pids) + len(kids)
	branch := func(i int) (string, string) {
		if i == n-1 {
			return "└─", "  "
		}
		return "├─", "│ "
	}
	for i, pid := range pids {
		br, _ := branch(i)
		c, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		fmt.Fprintf(b, "%s%s%s %s\n", indent, br, pid, strings.TrimSpace(strings.ReplaceAll(string(c), "\x00", " ")))
	}
	for j, k := range kids {
		br, more := branch(len(pids) + j)
		fmt.Fprintf(b, "%s%s%s\n", indent, br, k)
		cgroupTree(b, filepath.Join(dir, k), indent+more)
	}
}

// formatDropIns groups drop-in files by directory: "/dir\n             └─a.conf, b.conf".
func formatDropIns(paths []string) string {
	var dirs []string
	files := map[string][]string{}
	for _, p := range paths {
		i := strings.LastIndexByte(p, '/')
		d, f := p[:i], p[i+1:]
		if _, ok := files[d]; !ok {
			dirs = append(dirs, d)
		}
		files[d] = append(files[d], f)
	}
	var b strings.Builder
	for i, d := range dirs {
		if i > 0 {
			b.WriteString("\n" + strings.Repeat(" ", 13))
		}
		b.WriteString(d + "\n" + strings.Repeat(" ", 13) + "└─" + strings.Join(files[d], ", "))
	}
	return b.String()
}

// ago formats a duration as systemd's format_timespan does with a second's accuracy: "5s", "1min 5s", "2h 3min".
func ago(d time.Duration) string {
	if d < time.Second {
		return strconv.Itoa(int(d/time.Millisecond)) + "ms"
	}
	d = d.Truncate(time.Second)
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}} {
		if d >= u.d {
			parts = append(parts, strconv.Itoa(int(d/u.d))+u.name)
			d %= u.d
		}
	}
	return strings.Join(parts, " ")
}

func isTTY() bool {
	st, err := os.Stdout.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// statusLog prints the unit's last log lines under its status, as systemctl status does (-n, default 10).
func (e *env) statusLog(unit string) {
	n := 10
	if v, err := strconv.Atoi(e.o.lines); err == nil && v >= 0 {
		n = v
	}
	if n == 0 {
		return
	}
	stream, err := e.c.Logs(e.ctx, &controlv1.LogsRequest{Units: []string{unit}, Lines: int32(n)})
	if err != nil {
		return
	}
	host, _ := os.Hostname()
	first := true
	for {
		entry, err := stream.Recv()
		if errdefs.IsPermissionDenied(errdefs.FromGRPC(err)) && !e.o.quiet {
			// systemctl's notice for a user who may not read the journal.
			fmt.Fprint(e.stdout, "\nHint: You are currently not seeing messages from the units.\n"+
				"      Users in the log reader groups (Manager.LogReaderGroups) can see them.\n"+
				"      Pass -q to turn off this notice.\n")
		}
		if err != nil {
			return
		}
		if first {
			fmt.Fprintln(e.stdout)
			first = false
		}
		fmt.Fprintln(e.stdout, formatEntry(entry, host))
	}
}

// notSet is how a property reads when the value is unknown (systemd's UINT64_MAX, shown as "[not set]").
const notSet = "18446744073709551615"

// formatBytes is systemd's size format: 1.5M, 340K, 12.0G.
func formatBytes(n uint64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatUint(n, 10) + "B"
	}
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + string(units[i])
}

// unitOfPid is the unit whose cgroup holds pid: the last component of its cgroup path that is a unit name.
func unitOfPid(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", fmt.Errorf("PID %d does not exist", pid)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		_, path, ok := strings.Cut(line, "::")
		if !ok {
			continue
		}
		parts := strings.Split(path, "/")
		for i := len(parts) - 1; i >= 0; i-- {
			if ext := filepath.Ext(parts[i]); ext != "" && ext != ".slice" && (slices.Contains(unitTypes, ext[1:]) || isSuffix(ext[1:])) {
				return parts[i], nil
			}
		}
	}
	return "", fmt.Errorf("PID %d does not belong to any loaded unit", pid)
}

// systemStatus is status without a unit: the system overview systemctl prints (host, State, Jobs, Failed,
// Since: the userspace start, and the manager's cgroup tree).
func systemStatus(e *env) int {
	p, err := e.managerProperties("SystemState", "NJobs", "NFailedUnits", "UserspaceTimestamp", "ControlGroup")
	if err != nil {
		return e.callFailed("get system status", err)
	}
	host, _ := os.Hostname()
	mark := "●"
	if p["SystemState"] == "degraded" || p["SystemState"] == "maintenance" {
		mark = "×"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n    State: %s\n     Jobs: %s queued\n   Failed: %s units\n", mark, host,
		p["SystemState"], p["NJobs"], p["NFailedUnits"])
	if since := p["UserspaceTimestamp"]; since != "" {
		fmt.Fprintf(&b, "    Since: %s", since)
		if t, err := time.Parse("Mon 2006-01-02 15:04:05 MST", since); err == nil {
			fmt.Fprintf(&b, "; %s ago", ago(time.Since(t)))
		}
		b.WriteString("\n")
	}
	if cg := p["ControlGroup"]; cg != "" {
		fmt.Fprintf(&b, "   CGroup: %s\n", cg)
		if dir := cgroupDir(cg); dir != "" {
			cgroupTree(&b, dir, strings.Repeat(" ", 11))
		}
	}
	fmt.Fprint(e.stdout, b.String())
	return exitOK
}
