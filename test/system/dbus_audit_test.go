package system

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 18's audit: the verbs and signals the other D-Bus tests left unproven, each with a client written for
// systemd — Debian's systemctl and systemd-analyze, go-systemd's dbus package (what Go programs use), busctl.

// privateConn is a connection to the system's /run/systemd/private, authenticated as root, without Hello (as
// systemctl and go-systemd talk to PID 1).
func privateConn(t *testing.T, s *harness.System, opts ...dbus.ConnOption) *dbus.Conn {
	t.Helper()
	c, err := dbus.Dial(fmt.Sprintf("unix:path=/proc/%d/root/run/systemd/private", s.InitPid), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth([]dbus.Auth{dbus.AuthExternal("0")}); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

// nsPath is path inside the system's mount namespace, as the test reaches it.
func nsPath(s *harness.System, path string) string {
	return fmt.Sprintf("/proc/%d/root%s", s.InitPid, path)
}

// Debian's systemctl: list-jobs shows the queued jobs, cancel with an id cancels that job and without one all
// (ClearJobs), kill --signal delivers the signal (to the main process alone with --kill-whom=main), reset-failed
// of a unit and of all units brings failed units back to inactive.
func TestSystemctlJobsKillResetFailed(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"hang.service":  "[Service]\nType=oneshot\nExecStart=/bin/sleep 1000\n",
		"after.service": "[Unit]\nRequires=hang.service\nAfter=hang.service\n[Service]\nExecStart=/bin/sleep 1000\n",
		"sig.service":   "[Service]\nExecStart=/bin/sh -c 'trap \"echo $$$$ >>/run/usr1\" USR1; while :; do sleep 0.1; done'\n",
		"fail.service":  "[Service]\nType=oneshot\nExecStart=/bin/false\n",
		"fail2.service": "[Service]\nType=oneshot\nExecStart=/bin/false\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	mustSystemctl(t, s, "start", "--no-block", "after.service")
	var jobs string
	if !s.WaitFor(10*time.Second, func() bool {
		jobs = mustSystemctl(t, s, "list-jobs")
		return strings.Contains(jobs, "hang.service") && strings.Contains(jobs, "running")
	}) {
		t.Fatalf("systemctl list-jobs:\n%s", jobs)
	}
	t.Logf("systemctl list-jobs:\n%s", jobs)
	m := regexp.MustCompile(`(?m)^\s*(\d+)\s+after\.service\s+start\s+waiting`).FindStringSubmatch(jobs)
	if m == nil || !strings.Contains(jobs, "2 jobs listed.") {
		t.Fatalf("systemctl list-jobs does not list after.service's waiting start job:\n%s", jobs)
	}
	if sctlJobs, _, _ := s.Sctl("list-jobs"); !strings.Contains(sctlJobs, m[1]) {
		t.Errorf("sctl list-jobs does not have job %s:\n%s", m[1], sctlJobs)
	}
	mustSystemctl(t, s, "cancel", m[1])
	if !s.WaitFor(10*time.Second, func() bool { j := mustSystemctl(t, s, "list-jobs"); return !strings.Contains(j, "after.service") }) {
		t.Errorf("after systemctl cancel %s:\n%s", m[1], mustSystemctl(t, s, "list-jobs"))
	}
	if st := s.Show("hang.service", "ActiveState"); st != "activating" {
		t.Errorf("hang.service %s after its dependent's job was canceled", st)
	}
	if _, errs, code := systemctl(t, s, "cancel", "987654"); code == 0 || !strings.Contains(errs, "987654") {
		t.Errorf("systemctl cancel of a job that does not exist: exit %d %s", code, errs)
	}
	mustSystemctl(t, s, "cancel") // every job: ClearJobs
	if !s.WaitFor(10*time.Second, func() bool { return strings.Contains(mustSystemctl(t, s, "list-jobs"), "No jobs running.") }) {
		t.Errorf("after systemctl cancel:\n%s", mustSystemctl(t, s, "list-jobs"))
	}

	// kill --signal: the shell traps USR1 and notes it; it goes on running.
	mustSystemctl(t, s, "start", "sig.service")
	main := s.Show("sig.service", "MainPID")
	mustSystemctl(t, s, "kill", "--kill-whom=main", "--signal=USR1", "sig.service")
	var got string
	if !s.WaitFor(10*time.Second, func() bool { got, _ = s.ReadFile("/run/usr1"); return got != "" }) {
		t.Fatalf("systemctl kill --signal=USR1: the service never got it")
	}
	if strings.TrimSpace(got) != main || s.Show("sig.service", "ActiveState") != "active" {
		t.Errorf("systemctl kill --signal=USR1: noted by %q (main %s), %s", got, main, s.Show("sig.service", "ActiveState"))
	}
	mustSystemctl(t, s, "kill", "--signal=SIGTERM", "sig.service")
	s.WaitActive("sig.service", "inactive", 10*time.Second)

	// reset-failed, of one unit and of all.
	for _, u := range []string{"fail.service", "fail2.service"} {
		if _, _, code := systemctl(t, s, "start", u); code == 0 {
			t.Fatalf("systemctl start %s succeeded", u)
		}
	}
	if out, _, code := systemctl(t, s, "is-failed", "fail.service"); code != 0 || out != "failed\n" {
		t.Errorf("systemctl is-failed: %q exit %d", out, code)
	}
	mustSystemctl(t, s, "reset-failed", "fail.service")
	if a, b := s.Show("fail.service", "ActiveState"), s.Show("fail2.service", "ActiveState"); a != "inactive" || b != "failed" {
		t.Errorf("after systemctl reset-failed fail.service: %s, fail2.service %s", a, b)
	}
	mustSystemctl(t, s, "reset-failed")
	if st := s.Show("fail2.service", "ActiveState"); st != "inactive" {
		t.Errorf("after systemctl reset-failed: fail2.service %s", st)
	}
	if out := mustSystemctl(t, s, "list-units", "--failed", "--no-legend"); strings.TrimSpace(out) != "" {
		t.Errorf("systemctl list-units --failed after reset-failed:\n%s", out)
	}
}

// A subscriber on the private socket sees StartupFinished when the boot's last job ends, then UnitNew and
// UnitRemoved of a unit LoadUnit loaded and the collector unloaded; Debian's systemd-analyze time and blame read
// the manager's and the units' timestamps and agree with sctl analyze.
func TestDBusStartupSignals(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			// The boot waits for the test's subscriber.
			"gate.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'while [ ! -e /run/go ]; do sleep 0.05; done; sleep 0.3'\n",
		},
		Links: map[string]string{"multi-user.target.wants/gate.service": "../gate.service"},
	})
	if !s.WaitFor(20*time.Second, func() bool { _, err := os.Stat(nsPath(s, "/run/systemd/private")); return err == nil }) {
		t.Fatalf("no /run/systemd/private")
	}
	c := privateConn(t, s)
	defer c.Close()
	signals := make(chan *dbus.Signal, 1000)
	c.Signal(signals)
	obj := c.Object("org.freedesktop.systemd1", managerObj)
	if err := obj.Call(managerIf+".Subscribe", 0).Err; err != nil {
		t.Fatal(err)
	}
	if _, out, code := systemctl(t, s, "is-system-running"); code == 0 {
		t.Fatalf("the system is up before the gate opened: %s", out)
	}
	if err := os.WriteFile(nsPath(s, "/run/go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wait := func(member string, match func([]any) bool) []any {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case sig := <-signals:
				if sig.Name == managerIf+"."+member && (match == nil || match(sig.Body)) {
					return sig.Body
				}
			case <-timeout:
				t.Fatalf("no %s signal", member)
			}
		}
	}
	b := wait("StartupFinished", nil)
	var spans []uint64
	for _, v := range b {
		spans = append(spans, v.(uint64))
	}
	// firmware, loader, kernel, initrd, userspace, total: in a container only userspace, and the total is it.
	if len(spans) != 6 || spans[4] < 300000 || spans[5] != spans[4]+spans[3]+spans[2] {
		t.Errorf("StartupFinished %v", spans)
	}

	var sctlTime string
	if !s.WaitFor(10*time.Second, func() bool { var code int; sctlTime, _, code = s.Sctl("analyze", "time"); return code == 0 }) {
		t.Fatalf("sctl analyze time: %s", sctlTime)
	}
	out, errs, code := inNS(t, s, 0, "/usr/bin/systemd-analyze", "time")
	if code != 0 || out != sctlTime {
		t.Errorf("systemd-analyze time: exit %d %s\n%q\nsctl analyze time:\n%q", code, errs, out, sctlTime)
	}
	out, errs, code = inNS(t, s, 0, "/usr/bin/systemd-analyze", "--no-pager", "blame")
	first := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	if code != 0 || len(first) != 2 || first[1] != "gate.service" {
		t.Errorf("systemd-analyze blame: exit %d %s, gate.service is not the slowest:\n%s", code, errs, out)
	}
	sctlBlame, _, _ := s.Sctl("analyze", "blame")
	if sf := strings.Fields(strings.SplitN(sctlBlame, "\n", 2)[0]); len(sf) != 2 || len(first) != 2 || sf[0] != first[0] {
		t.Errorf("systemd-analyze blame's first line %q, sctl analyze blame's %q", first, sf)
	}

	var path dbus.ObjectPath
	if err := obj.Call(managerIf+".LoadUnit", 0, "extra.service").Store(&path); err != nil {
		t.Fatal(err)
	}
	if b := wait("UnitNew", func(b []any) bool { return b[0] == "extra.service" }); b[1] != path {
		t.Errorf("UnitNew %v, LoadUnit answered %s", b, path)
	}
	// Nothing holds the unit (it does not exist): the collector unloads it at the end of the turn.
	if b := wait("UnitRemoved", func(b []any) bool { return b[0] == "extra.service" }); b[1] != path {
		t.Errorf("UnitRemoved %v", b)
	}
	// Unsubscribe is answered; on the private socket signals go on (systemd sends them to every direct
	// connection).
	if err := obj.Call(managerIf+".Unsubscribe", 0).Err; err != nil {
		t.Errorf("Unsubscribe: %v", err)
	}
}

// go-systemd's dbus package, the client Go programs (and Kubernetes, Nomad, Docker) use, against sysmaster on
// the private socket: list, start and wait for the job's result, properties, kill, stop, a transient service,
// enable, reload, reset-failed, the system state, GetUnitByPID and ListJobs.
func TestGoSystemdClient(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"web.service":  dbusTestUnits,
		"fail.service": "[Service]\nType=oneshot\nExecStart=/bin/false\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := sddbus.NewConnection(func() (*dbus.Conn, error) { return privateConn(t, s, dbus.WithContext(ctx)), nil })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	result := func(what string, ch chan string) string {
		t.Helper()
		select {
		case r := <-ch:
			return r
		case <-ctx.Done():
			t.Fatalf("%s: no job result", what)
			return ""
		}
	}

	units, err := c.ListUnitsContext(ctx)
	found := false
	for _, u := range units {
		found = found || u.Name == "multi-user.target" && u.ActiveState == "active"
	}
	if err != nil || !found {
		t.Errorf("ListUnits: %v, multi-user.target active: %v", err, found)
	}
	ch := make(chan string, 1)
	if _, err := c.StartUnitContext(ctx, "web.service", "replace", ch); err != nil {
		t.Fatal(err)
	}
	if r := result("StartUnit", ch); r != "done" || s.Show("web.service", "ActiveState") != "active" {
		t.Errorf("StartUnit web.service: %s, %s", r, s.Show("web.service", "ActiveState"))
	}
	main := s.Show("web.service", "MainPID")
	p, err := c.GetUnitTypePropertyContext(ctx, "web.service", "Service", "MainPID")
	if err != nil || fmt.Sprint(p.Value.Value()) != main {
		t.Errorf("MainPID: %v %v, sctl says %s", p, err, main)
	}
	props, err := c.GetUnitPropertiesContext(ctx, "web.service")
	if err != nil || props["ActiveState"] != "active" || props["Id"] != "web.service" {
		t.Errorf("GetUnitProperties: %v %v", props["ActiveState"], err)
	}
	pid, _ := strconv.Atoi(main)
	if name, err := c.GetUnitNameByPID(ctx, uint32(pid)); err != nil || name != "web.service" {
		t.Errorf("GetUnitNameByPID(%d): %q %v", pid, name, err)
	}
	if st, err := c.SystemStateContext(ctx); err != nil || st.Value.Value() != "running" {
		t.Errorf("SystemState: %v %v", st, err)
	}
	if jobs, err := c.ListJobsContext(ctx); err != nil || len(jobs) != 0 {
		t.Errorf("ListJobs: %v %v", jobs, err)
	}

	if err := c.KillUnitWithTarget(ctx, "web.service", sddbus.Main, int32(syscall.SIGKILL)); err != nil {
		t.Fatal(err)
	}
	s.WaitActive("web.service", "failed", 10*time.Second)
	if err := c.ResetFailedUnitContext(ctx, "web.service"); err != nil || s.Show("web.service", "ActiveState") != "inactive" {
		t.Errorf("ResetFailedUnit: %v, %s", err, s.Show("web.service", "ActiveState"))
	}
	if _, err := c.StartUnitContext(ctx, "fail.service", "replace", ch); err != nil {
		t.Fatal(err)
	}
	if r := result("StartUnit fail.service", ch); r != "failed" {
		t.Errorf("StartUnit fail.service: %s", r)
	}
	if _, err := c.StartUnitContext(ctx, "nothere.service", "replace", ch); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("StartUnit nothere.service: %v", err)
	}

	// A transient service, as Nomad and the Kubelet make them.
	if _, err := c.StartTransientUnitContext(ctx, "tr.service", "replace",
		[]sddbus.Property{sddbus.PropExecStart([]string{"/bin/sleep", "100"}, false), sddbus.PropDescription("transient")}, ch); err != nil {
		t.Fatal(err)
	}
	if r := result("StartTransientUnit", ch); r != "done" || s.Show("tr.service", "ActiveState") != "active" || s.Show("tr.service", "Description") != "transient" {
		t.Errorf("StartTransientUnit tr.service: %s, %s %q", r, s.Show("tr.service", "ActiveState"), s.Show("tr.service", "Description"))
	}
	if _, err := c.StopUnitContext(ctx, "tr.service", "replace", ch); err != nil {
		t.Fatal(err)
	}
	if r := result("StopUnit", ch); r != "done" {
		t.Errorf("StopUnit tr.service: %s", r)
	}

	carries, changes, err := c.EnableUnitFilesContext(ctx, []string{"web.service"}, false, false)
	if err != nil || !carries || len(changes) != 1 || changes[0].Type != "symlink" {
		t.Errorf("EnableUnitFiles: %v %v %v", carries, changes, err)
	}
	if st, _, _ := s.Sctl("is-enabled", "web.service"); st != "enabled\n" {
		t.Errorf("after EnableUnitFiles: sctl is-enabled %q", st)
	}
	if err := c.ReloadContext(ctx); err != nil {
		t.Errorf("Reload: %v", err)
	}
	if files, err := c.ListUnitFilesByPatternsContext(ctx, []string{"enabled"}, []string{"web.*"}); err != nil || len(files) != 1 {
		t.Errorf("ListUnitFilesByPatterns: %v %v", files, err)
	}
}

// Access control: the peer's credentials decide, on the bus (the daemon's GetConnectionUnixUser) and on the
// private socket (SO_PEERCRED; its mode is widened here so that uid 65534 can reach it). uid 65534 gets answers to
// every reading method and AccessDenied for every method that changes the system, and nothing changes.
func TestBusAccess(t *testing.T) {
	t.Parallel()
	s := startBus(t)
	reading := [][]string{
		{"GetUnit", "s", "web.service"},
		{"LoadUnit", "s", "web.service"},
		{"ListUnits"},
		{"ListUnitsByPatterns", "asas", "0", "1", "web.*"},
		{"ListJobs"},
		{"ListUnitFiles"},
		{"GetUnitFileState", "s", "web.service"},
		{"GetDefaultTarget"},
		{"GetUnitProcesses", "s", "web.service"},
		{"Subscribe"},
		{"Unsubscribe"},
	}
	mutating := [][]string{
		{"StartUnit", "ss", "web.service", "replace"},
		{"StopUnit", "ss", "web.service", "replace"},
		{"RestartUnit", "ss", "web.service", "replace"},
		{"KillUnit", "ssi", "web.service", "all", "9"},
		{"ResetFailedUnit", "s", "web.service"},
		{"ResetFailed"},
		{"ClearJobs"},
		{"CancelJob", "u", "1"},
		{"Reload"},
		{"Reexecute"},
		{"PowerOff"},
		{"Reboot"},
		{"Exit"},
		{"SetEnvironment", "as", "1", "X=1"},
		{"UnsetEnvironment", "as", "1", "PATH"},
		{"EnableUnitFiles", "asbb", "1", "web.service", "false", "false"},
		{"DisableUnitFiles", "asb", "1", "web.service", "false"},
		{"MaskUnitFiles", "asbb", "1", "web.service", "false", "false"},
		{"SetDefaultTarget", "sb", "web.service", "true"},
		{"SetUnitProperties", "sba(sv)", "web.service", "true", "1", "Description", "s", "x"},
		{"StartTransientUnit", "ssa(sv)a(sa(sv))", "x.service", "replace", "1", "ExecStart", "a(sasb)", "1", "/bin/true", "1", "/bin/true", "false", "0"},
		{"AttachProcessesToUnit", "ssau", "web.service", "/", "1", "1"},
		{"AbandonScope", "s", "x.scope"},
		{"FreezeUnit", "s", "web.service"},
		{"CleanUnit", "sas", "web.service", "1", "all"},
	}
	pid := s.Show("web.service", "MainPID")
	check := func(via string, call func(uid int, args ...string) (string, string, int)) {
		t.Helper()
		for _, m := range reading {
			if out, errs, code := call(65534, m...); code != 0 {
				t.Errorf("%s: %s as uid 65534: exit %d %s %s", via, m[0], code, out, errs)
			}
		}
		for _, m := range mutating {
			if _, errs, code := call(65534, m...); code == 0 || !strings.Contains(errs, "Access denied") {
				t.Errorf("%s: %s as uid 65534: exit %d %s", via, m[0], code, errs)
			}
		}
		if st, p := s.Show("web.service", "ActiveState"), s.Show("web.service", "MainPID"); st != "active" || p != pid {
			t.Fatalf("%s: web.service %s, MainPID %s (was %s) after the refused calls", via, st, p, pid)
		}
		if st, _, _ := s.Sctl("is-enabled", "web.service"); st != "disabled\n" {
			t.Errorf("%s: web.service %s after the refused calls", via, st)
		}
		// Root may: the same connection path, uid 0.
		if _, errs, code := call(0, "ResetFailed"); code != 0 {
			t.Errorf("%s: ResetFailed as root: exit %d %s", via, code, errs)
		}
	}
	check("bus", func(uid int, args ...string) (string, string, int) {
		return busctl(t, s, uid, append([]string{"call", "org.freedesktop.systemd1", managerObj, managerIf}, args...)...)
	})
	if err := os.Chmod(nsPath(s, "/run/systemd/private"), 0o666); err != nil {
		t.Fatal(err)
	}
	check("private", func(uid int, args ...string) (string, string, int) {
		return inNS(t, s, uid, append([]string{"/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "--no-pager",
			"call", "org.freedesktop.systemd1", managerObj, managerIf}, args...)...)
	})
}

// A method sysmaster does not implement answers NotSupported at once, on both endpoints, and the connection
// goes on answering.
func TestDBusNotSupportedAtOnce(t *testing.T) {
	t.Parallel()
	s := startBus(t)
	c := privateConn(t, s)
	defer c.Close()
	bc, err := dbus.Dial("unix:path=" + nsPath(s, "/run/dbus/system_bus_socket"))
	if err == nil {
		err = bc.Auth(nil)
	}
	if err == nil {
		err = bc.Hello()
	}
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	calls := []struct {
		member string
		args   []any
	}{
		{"Dump", nil},
		{"DumpByFileDescriptor", nil},
		{"GetUnitByControlGroup", []any{"/system.slice"}},
		{"GetJobAfter", []any{uint32(1)}},
		{"SetShowStatus", []any{"yes"}},
		{"EnqueueMarkedJobs", nil},
		{"GetDynamicUsers", nil},
		{"LookupDynamicUserByName", []any{"x"}},
		{"GetUnitFileLinks", []any{"web.service", false}},
	}
	for name, conn := range map[string]*dbus.Conn{"private": c, "bus": bc} {
		obj := conn.Object("org.freedesktop.systemd1", managerObj)
		for _, m := range calls {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err := obj.CallWithContext(ctx, managerIf+"."+m.member, 0, m.args...).Err
			cancel()
			if e, ok := err.(dbus.Error); !ok || e.Name != "org.freedesktop.DBus.Error.NotSupported" {
				t.Errorf("%s: %s: %v, want NotSupported within 3 s", name, m.member, err)
			}
		}
		var path dbus.ObjectPath
		if err := obj.Call(managerIf+".GetUnit", 0, "web.service").Store(&path); err != nil {
			t.Errorf("%s: GetUnit after the refusals: %v", name, err)
		}
	}
}

// Debian's systemctl for the Manager's job and unit-file methods the other tests leave out, each checked against
// what sctl shows: reload (ReloadUnit), reload-or-restart, try-restart, try-reload-or-restart, start
// --show-transaction (EnqueueUnitJob), mask and unmask, reenable, add-wants (AddDependencyUnitFiles), link,
// preset and preset-all, revert, set-environment and unset-environment; busctl for StartUnitReplace, GetJob,
// ListUnitsFiltered and ListUnitsByNames, which systemctl does not call.
func TestSystemctlManagerVerbs(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"web.service":  dbusTestUnits,
		"rl.service":   "[Service]\nExecStart=/bin/sleep 1000\nExecReload=/bin/sh -c 'echo r >>/run/reloaded'\n",
		"hang.service": "[Service]\nType=oneshot\nExecStart=/bin/sleep 1000\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	reloads := func() int { b, _ := s.ReadFile("/run/reloaded"); return strings.Count(b, "\n") }
	mustSystemctl(t, s, "start", "rl.service", "web.service")
	rlPid, webPid := s.Show("rl.service", "MainPID"), s.Show("web.service", "MainPID")

	mustSystemctl(t, s, "reload", "rl.service")
	if n := reloads(); n != 1 || s.Show("rl.service", "MainPID") != rlPid {
		t.Errorf("systemctl reload: %d reloads, MainPID %s (was %s)", n, s.Show("rl.service", "MainPID"), rlPid)
	}
	_, errs, code := systemctl(t, s, "reload", "web.service")
	_, serrs, scode := s.Sctl("reload", "web.service")
	if code == 0 || scode == 0 || !strings.Contains(errs, "not applicable") {
		t.Errorf("reload of a unit without ExecReload=: systemctl exit %d %s; sctl exit %d %s", code, errs, scode, serrs)
	}
	mustSystemctl(t, s, "reload-or-restart", "rl.service", "web.service")
	if n := reloads(); n != 2 || s.Show("rl.service", "MainPID") != rlPid {
		t.Errorf("systemctl reload-or-restart rl.service: %d reloads, MainPID %s (was %s)", n, s.Show("rl.service", "MainPID"), rlPid)
	}
	if p := s.Show("web.service", "MainPID"); p == webPid || s.Show("web.service", "ActiveState") != "active" {
		t.Errorf("systemctl reload-or-restart web.service did not restart it: MainPID %s (was %s)", p, webPid)
	}
	mustSctl(t, s, "reload-or-restart", "rl.service")
	if n := reloads(); n != 3 || s.Show("rl.service", "MainPID") != rlPid {
		t.Errorf("sctl reload-or-restart rl.service: %d reloads, MainPID %s (was %s)", n, s.Show("rl.service", "MainPID"), rlPid)
	}
	webPid = s.Show("web.service", "MainPID")
	mustSystemctl(t, s, "try-restart", "web.service")
	if p := s.Show("web.service", "MainPID"); p == webPid || s.Show("web.service", "ActiveState") != "active" {
		t.Errorf("systemctl try-restart of a running unit: MainPID %s (was %s)", p, webPid)
	}
	mustSystemctl(t, s, "stop", "web.service")
	mustSystemctl(t, s, "try-restart", "web.service")
	mustSystemctl(t, s, "try-reload-or-restart", "web.service", "rl.service")
	if st, n := s.Show("web.service", "ActiveState"), reloads(); st != "inactive" || n != 4 {
		t.Errorf("try-restart and try-reload-or-restart: a stopped unit is %s, %d reloads (want inactive, 4)", st, n)
	}
	out, errs := mustSystemctl(t, s, "start", "--show-transaction", "web.service"), ""
	if _, errs, _ = systemctl(t, s, "start", "--show-transaction", "rl.service"); !strings.Contains(out+errs, "Enqueued anchor job") {
		t.Errorf("systemctl start --show-transaction: %q %q", out, errs)
	}
	if st := s.Show("web.service", "ActiveState"); st != "active" {
		t.Errorf("after start --show-transaction: %s", st)
	}

	enabled := func() string { out, _, _ := s.Sctl("is-enabled", "web.service"); return strings.TrimSpace(out) }
	// mask links /etc's name to /dev/null, which a unit file in /etc itself forbids (as systemd's): the unit to
	// mask lives in /run/sysmaster/system.
	if err := os.MkdirAll(nsPath(s, "/run/sysmaster/system"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nsPath(s, "/run/sysmaster/system/vend.service"), []byte("[Unit]\nDescription=vendor\n[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustSystemctl(t, s, "mask", "vend.service")
	if st, _, _ := s.Sctl("is-enabled", "vend.service"); st != "masked\n" {
		t.Errorf("after systemctl mask: %s", st)
	}
	if _, errs, code := systemctl(t, s, "start", "vend.service"); code == 0 || !strings.Contains(errs, "masked") {
		t.Errorf("systemctl start of a masked unit: exit %d %s", code, errs)
	}
	mustSystemctl(t, s, "unmask", "vend.service")
	mustSystemctl(t, s, "start", "vend.service")
	if st := s.Show("vend.service", "ActiveState"); st != "active" {
		t.Errorf("after systemctl unmask and start: %s", st)
	}
	mustSystemctl(t, s, "reenable", "web.service")
	if st := enabled(); st != "enabled" {
		t.Errorf("after systemctl reenable: %s", st)
	}
	mustSystemctl(t, s, "disable", "web.service")
	mustSystemctl(t, s, "add-wants", "multi-user.target", "rl.service")
	if w := s.Show("multi-user.target", "Wants"); !strings.Contains(w, "rl.service") {
		t.Errorf("after systemctl add-wants multi-user.target rl.service: Wants=%s", w)
	}
	if err := os.WriteFile(nsPath(s, "/run/ext.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustSystemctl(t, s, "link", "/run/ext.service")
	// A unit put on the path by a link of its own name is "linked", as systemd's; is-enabled then fails (exit 1),
	// as systemctl's does for that state.
	out, _, code = systemctl(t, s, "is-enabled", "ext.service")
	sout, _, scode := s.Sctl("is-enabled", "ext.service")
	if strings.TrimSpace(out) != "linked" || code != 1 || strings.TrimSpace(sout) != "linked" || scode != 1 {
		t.Errorf("after systemctl link: systemctl is-enabled ext.service %q (exit %d), sctl %q (exit %d); want linked, 1",
			out, code, sout, scode)
	}
	mustSystemctl(t, s, "start", "ext.service")
	if st := s.Show("ext.service", "ActiveState"); st != "active" {
		t.Errorf("a linked unit after systemctl start: %s", st)
	}

	// preset and preset-all give what sctl's give.
	mustSystemctl(t, s, "preset", "web.service")
	viaSystemctl := enabled()
	mustSctl(t, s, "disable", "web.service")
	mustSctl(t, s, "preset", "web.service")
	if st := enabled(); st != viaSystemctl {
		t.Errorf("preset: systemctl makes web.service %s, sctl %s", viaSystemctl, st)
	}
	mustSctl(t, s, "disable", "web.service")
	mustSystemctl(t, s, "preset-all")
	viaSystemctl = enabled()
	mustSctl(t, s, "disable", "web.service")
	mustSctl(t, s, "preset-all")
	if st := enabled(); st != viaSystemctl {
		t.Errorf("preset-all: systemctl makes web.service %s, sctl %s", viaSystemctl, st)
	}

	// revert drops a persistent drop-in and a mask.
	mustSystemctl(t, s, "stop", "vend.service")
	mustSystemctl(t, s, "set-property", "vend.service", "Description=changed")
	mustSystemctl(t, s, "mask", "vend.service")
	mustSystemctl(t, s, "revert", "vend.service")
	if st, _, _ := s.Sctl("is-enabled", "vend.service"); st == "masked\n" || s.Show("vend.service", "Description") != "vendor" {
		t.Errorf("after systemctl revert: %s, Description %q", st, s.Show("vend.service", "Description"))
	}

	mustSystemctl(t, s, "set-environment", "AUDIT_X=1", "AUDIT_Y=two words")
	env := mustSystemctl(t, s, "show-environment")
	if sctlEnv, _, _ := s.Sctl("show-environment"); !strings.Contains(env, "AUDIT_X=1\n") || !strings.Contains(sctlEnv, "AUDIT_Y=two words") {
		t.Errorf("after systemctl set-environment: systemctl show-environment\n%s\nsctl show-environment\n%s", env, sctlEnv)
	}
	mustSystemctl(t, s, "unset-environment", "AUDIT_X")
	if env, _, _ := s.Sctl("show-environment"); strings.Contains(env, "AUDIT_X") || !strings.Contains(env, "AUDIT_Y") {
		t.Errorf("after systemctl unset-environment AUDIT_X:\n%s", env)
	}

	// The methods systemctl does not call, through busctl on the private socket.
	bctl := func(args ...string) string {
		t.Helper()
		out, errs, code := inNS(t, s, 0, append([]string{"/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "--no-pager",
			"call", "org.freedesktop.systemd1", managerObj, managerIf}, args...)...)
		if code != 0 {
			t.Errorf("busctl call %v: exit %d %s", args, code, errs)
		}
		return out
	}
	if out := bctl("StartUnitReplace", "sss", "web.service", "web.service", "replace"); !strings.HasPrefix(out, "o \"/org/freedesktop/systemd1/job/") {
		t.Errorf("StartUnitReplace: %q", out)
	}
	s.WaitActive("web.service", "active", 10*time.Second)
	job := strings.Trim(strings.TrimPrefix(bctl("StartUnit", "ss", "hang.service", "replace"), "o "), "\"\n")
	if out := bctl("GetJob", "u", job[strings.LastIndex(job, "/")+1:]); out != "o \""+job+"\"\n" {
		t.Errorf("GetJob of %s: %q", job, out)
	}
	// The job's object: its properties, and Cancel.
	jb := func(args ...string) (string, string, int) {
		return inNS(t, s, 0, append([]string{"/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "--no-pager"}, args...)...)
	}
	if out, errs, _ := jb("get-property", "org.freedesktop.systemd1", job, "org.freedesktop.systemd1.Job", "JobType", "State", "Unit"); out != "s \"start\"\ns \"running\"\n(so) \"hang.service\" \"/org/freedesktop/systemd1/unit/hang_2eservice\"\n" {
		t.Errorf("the job's properties: %q %s", out, errs)
	}
	// The unit's object: Stop.
	if _, errs, code := jb("call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1/unit/web_2eservice", "org.freedesktop.systemd1.Unit", "Stop", "s", "replace"); code != 0 {
		t.Errorf("Unit.Stop: exit %d %s", code, errs)
	}
	s.WaitActive("web.service", "inactive", 10*time.Second)
	if out := bctl("ListUnitsFiltered", "as", "1", "activating"); !strings.Contains(out, "\"hang.service\"") || strings.Contains(out, "\"rl.service\"") {
		t.Errorf("ListUnitsFiltered activating: %s", out)
	}
	if out := bctl("ListUnitsByNames", "as", "2", "rl.service", "nothere.service"); !strings.Contains(out, "a(ssssssouso) 2 ") ||
		!strings.Contains(out, "\"rl.service\" \"rl.service\" \"loaded\" \"active\" \"running\"") || !regexp.MustCompile(`"nothere.service" "[^"]*" "not-found" "inactive" "dead"`).MatchString(out) {
		t.Errorf("ListUnitsByNames: %s", out)
	}
	if _, errs, code := jb("call", "org.freedesktop.systemd1", job, "org.freedesktop.systemd1.Job", "Cancel"); code != 0 {
		t.Errorf("Job.Cancel: exit %d %s", code, errs)
	}
	if _, errs, code := jb("call", "org.freedesktop.systemd1", managerObj, managerIf, "GetJob", "u", job[strings.LastIndex(job, "/")+1:]); code == 0 || !strings.Contains(errs, "does not exist") {
		t.Errorf("GetJob of a canceled job: exit %d %s", code, errs)
	}
}

// `systemctl reboot -f` and `systemctl halt -f` call the Manager's Reboot and Halt, which act at once: init's
// final stage does what was asked.
func TestSystemctlForcedActions(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"reboot", "halt"} {
		s := harness.Start(t, harness.Options{})
		s.WaitActive("multi-user.target", "active", 10*time.Second)
		// systemctl may be killed by the system's end (exit -1) before it reads the answer, as under systemd.
		if _, errs, code := systemctl(t, s, action, "-f"); code != 0 && code != -1 {
			t.Errorf("systemctl %s -f: exit %d %s", action, code, errs)
		}
		waitExited(t, s)
		if !strings.Contains(s.Console(), "final stage: "+action) {
			t.Errorf("systemctl %s -f: the final stage did not %s; console:\n%s", action, action, s.Console())
		}
	}
}

// Debian's systemd-update-utmp asks the manager over D-Bus for the boot's userspace timestamp (reboot) and the
// runlevel targets' states (runlevel) and writes utmp records from them, at once. Its wtmp goes to a tmpfs (the
// test's mount namespace shares the host's /var).
func TestSystemdUpdateUtmp(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	out, errs, code := inNS(t, s, 0, "/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "get-property",
		"org.freedesktop.systemd1", managerObj, managerIf, "UserspaceTimestamp")
	us, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(out, "t ")), 10, 64)
	if code != 0 || err != nil || us == 0 {
		t.Fatalf("UserspaceTimestamp: exit %d %q %s", code, out, errs)
	}
	userspace := time.UnixMicro(int64(us))
	// The record must be told from one written with the current time (what the tool writes when it cannot ask).
	s.WaitFor(10*time.Second, func() bool { return time.Since(userspace) > 3*time.Second })
	start := time.Now()
	out, errs, code = inNS(t, s, 0, "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-ec",
		"mount -t tmpfs tmpfs /var/log; : >/run/utmp; : >/var/log/wtmp\n"+
			"timeout 10 /lib/systemd/systemd-update-utmp reboot\ntimeout 10 /lib/systemd/systemd-update-utmp runlevel\nutmpdump /run/utmp")
	if d := time.Since(start); code != 0 || d > 5*time.Second {
		t.Fatalf("systemd-update-utmp: exit %d after %v\n%s%s", code, d, out, errs)
	}
	t.Logf("utmpdump /run/utmp:\n%s", out)
	var boot time.Time
	runlevel := ""
	for _, l := range strings.Split(out, "\n") {
		f := regexp.MustCompile(`\[([^]]*)\]`).FindAllStringSubmatch(l, -1)
		if len(f) != 8 {
			continue
		}
		switch strings.TrimSpace(f[3][1]) {
		case "reboot":
			boot, _ = time.Parse("2006-01-02T15:04:05,000000-07:00", f[7][1])
		case "runlevel":
			runlevel = strings.TrimSpace(f[1][1])
		}
	}
	if d := boot.Sub(userspace); d < -time.Second || d > time.Second {
		t.Errorf("the boot record says %v, the manager's UserspaceTimestamp %v", boot, userspace)
	}
	// ut_pid of a runlevel record: the runlevel, '3' for multi-user.target (no previous one).
	if runlevel != "00051" {
		t.Errorf("runlevel record: pid %q, want 00051 ('3')", runlevel)
	}
}

// On the system bus signals go to the clients that subscribed, as systemd sends them: JobNew, JobRemoved,
// UnitNew, UnitRemoved, UnitFilesChanged and Reloading to a subscriber; once the last subscriber has
// unsubscribed none go out (a restart then is not announced: after a new Subscribe, the first signal is of the
// client's own LoadUnit, which the bus daemon delivers in order after any earlier one).
func TestBusSignals(t *testing.T) {
	t.Parallel()
	s := startBus(t)
	bc, err := dbus.Dial("unix:path=" + nsPath(s, "/run/dbus/system_bus_socket"))
	if err == nil {
		err = bc.Auth(nil)
	}
	if err == nil {
		err = bc.Hello()
	}
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	if err := bc.AddMatchSignal(dbus.WithMatchInterface(managerIf)); err != nil {
		t.Fatal(err)
	}
	signals := make(chan *dbus.Signal, 1000)
	bc.Signal(signals)
	obj := bc.Object("org.freedesktop.systemd1", managerObj)
	next := func() *dbus.Signal {
		t.Helper()
		select {
		case sig := <-signals:
			return sig
		case <-time.After(20 * time.Second):
			t.Fatalf("no signal")
			return nil
		}
	}
	wait := func(member string, match func([]any) bool) []any {
		t.Helper()
		for {
			if sig := next(); sig.Name == managerIf+"."+member && (match == nil || match(sig.Body)) {
				return sig.Body
			}
		}
	}
	if err := obj.Call(managerIf+".Subscribe", 0).Err; err != nil {
		t.Fatal(err)
	}
	mustSctl(t, s, "stop", "web.service")
	var job dbus.ObjectPath
	if err := obj.Call(managerIf+".StartUnit", 0, "web.service", "replace").Store(&job); err != nil {
		t.Fatal(err)
	}
	if b := wait("JobNew", func(b []any) bool { return b[1] == job }); b[2] != "web.service" {
		t.Errorf("JobNew %v, StartUnit answered %s", b, job)
	}
	if b := wait("JobRemoved", func(b []any) bool { return b[1] == job }); b[2] != "web.service" || b[3] != "done" {
		t.Errorf("JobRemoved %v", b)
	}
	if err := obj.Call(managerIf+".LoadUnit", 0, "extra.service").Err; err != nil {
		t.Fatal(err)
	}
	wait("UnitNew", func(b []any) bool { return b[0] == "extra.service" })
	wait("UnitRemoved", func(b []any) bool { return b[0] == "extra.service" })
	if err := obj.Call(managerIf+".EnableUnitFiles", 0, []string{"web.service"}, false, false).Err; err != nil {
		t.Fatal(err)
	}
	wait("UnitFilesChanged", nil)
	if err := obj.Call(managerIf+".Reload", 0).Err; err != nil {
		t.Fatal(err)
	}
	if b := wait("Reloading", nil); b[0] != true {
		t.Errorf("Reloading %v first", b)
	}
	if b := wait("Reloading", nil); b[0] != false {
		t.Errorf("Reloading %v after", b)
	}

	if err := obj.Call(managerIf+".Unsubscribe", 0).Err; err != nil {
		t.Fatal(err)
	}
	// A private connection gets every signal; once it has the restart's JobRemoved, the core has sent that
	// signal wherever it went (one decision for all connections).
	pc := privateConn(t, s)
	defer pc.Close()
	private := make(chan *dbus.Signal, 1000)
	pc.Signal(private)
	var restart dbus.ObjectPath
	if err := pc.Object("org.freedesktop.systemd1", managerObj).Call(managerIf+".RestartUnit", 0, "web.service", "replace").Store(&restart); err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		select {
		case sig := <-private:
			done = sig.Name == managerIf+".JobRemoved" && sig.Body[1] == restart
		case <-time.After(20 * time.Second):
			t.Fatalf("no JobRemoved of the restart on the private socket")
		}
	}
	if err := obj.Call(managerIf+".Subscribe", 0).Err; err != nil {
		t.Fatal(err)
	}
	if err := obj.Call(managerIf+".LoadUnit", 0, "extra2.service").Err; err != nil {
		t.Fatal(err)
	}
	for {
		sig := next()
		if sig.Name == managerIf+".UnitNew" && sig.Body[0] == "extra2.service" {
			break
		}
		if len(sig.Body) > 2 && sig.Body[2] == "web.service" {
			t.Fatalf("a signal of web.service's restart while nobody was subscribed: %s %v", sig.Name, sig.Body)
		}
	}
}

// AttachProcessesToUnit moves a process started elsewhere into a running scope (GetUnitByPID then names the
// scope), and AbandonScope abandons it, through busctl; AbandonScope of a service is refused (InvalidArgs).
func TestScopeAttachAbandon(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	startInNS(t, s, "/usr/bin/systemd-run", "--unit=sc", "--scope", "sleep", "100")
	s.WaitActive("sc.scope", "active", 20*time.Second)
	out, errs, code := inNS(t, s, 0, "/bin/sh", "-c", "sleep 100 >/dev/null 2>&1 & echo $!")
	pid := strings.TrimSpace(out)
	if code != 0 || pid == "" {
		t.Fatalf("sleep: exit %d %s", code, errs)
	}
	t.Cleanup(func() { inNS(t, s, 0, "/bin/kill", "-9", pid) })
	bctl := func(args ...string) (string, string, int) {
		return inNS(t, s, 0, append([]string{"/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "--no-pager",
			"call", "org.freedesktop.systemd1", managerObj, managerIf}, args...)...)
	}
	if _, errs, code := bctl("AttachProcessesToUnit", "ssau", "sc.scope", "", "1", pid); code != 0 {
		t.Fatalf("AttachProcessesToUnit: exit %d %s", code, errs)
	}
	if out, errs, _ := bctl("GetUnitByPID", "u", pid); out != "o \"/org/freedesktop/systemd1/unit/sc_2escope\"\n" {
		t.Errorf("GetUnitByPID of the attached process: %q %s", out, errs)
	}
	if st, _, _ := s.Sctl("status", "sc.scope"); !strings.Contains(st, pid+" sleep 100") {
		t.Errorf("sctl status sc.scope does not show the attached process %s:\n%s", pid, st)
	}
	if _, errs, code := bctl("AbandonScope", "s", "sc.scope"); code != 0 {
		t.Fatalf("AbandonScope: exit %d %s", code, errs)
	}
	if st := s.Show("sc.scope", "SubState"); st != "abandoned" {
		t.Errorf("sc.scope after AbandonScope: %s", st)
	}
	mustSctl(t, s, "start", "web.service")
	if _, errs, code := bctl("AbandonScope", "s", "web.service"); code == 0 || !strings.Contains(errs, "not a scope") {
		t.Errorf("AbandonScope of a service: exit %d %s", code, errs)
	}
}
