package system

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 15, sctl at parity with systemctl 252: the verbs and options a systemctl user reaches for, through the
// installed sctl against a booted namespace.

// TestManagerVerbs: is-system-running (with its exit codes and --wait), show without a unit, the manager
// environment (set, unset, import, show, and passed to units), get-default and set-default.
func TestManagerVerbs(t *testing.T) {
	t.Parallel()
	units := map[string]string{
		"env.service":  "[Service]\nType=oneshot\nRemainAfterExit=yes\nEnvironment=MINE=unit\nExecStart=/bin/sh -c 'echo \"FOO=$FOO BAR=$BAR MINE=$MINE\"'\n",
		"fail.service": "[Service]\nType=oneshot\nExecStart=/bin/false\n",
	}
	s := harness.Start(t, harness.Options{Units: units})
	if out, errs, code := s.Sctl("is-system-running", "--wait"); code != 0 || out != "running\n" {
		t.Fatalf("is-system-running --wait: exit %d %q %s", code, out, errs)
	}
	if out, _, code := s.Sctl("show", "-p", "SystemState,NFailedUnits"); code != 0 || out != "SystemState=running\nNFailedUnits=0\n" {
		t.Errorf("show -p SystemState,NFailedUnits: exit %d %q", code, out)
	}
	s.Sctl("start", "fail.service")
	if out, _, code := s.Sctl("is-system-running"); code != 1 || out != "degraded\n" {
		t.Errorf("is-system-running with a failed unit: exit %d %q", code, out)
	}
	if out, _, code := s.Sctl("is-system-running", "-q"); code != 1 || out != "" {
		t.Errorf("is-system-running -q: exit %d %q", code, out)
	}
	mustSctl(t, s, "reset-failed")

	// The manager environment: NAME=VALUE lines, passed to the units' processes before their Environment=.
	mustSctl(t, s, "set-environment", "FOO=one two", "MINE=manager", "GONE=x")
	mustSctl(t, s, "unset-environment", "GONE")
	if out := mustSctl(t, s, "show-environment"); out != "FOO=one two\nMINE=manager\n" {
		t.Errorf("show-environment: %q", out)
	}
	if _, errs, code := s.Sctl("set-environment", "1BAD=x"); code != 1 || !strings.Contains(errs, "1BAD=x") {
		t.Errorf("set-environment 1BAD=x: exit %d %q", code, errs)
	}
	// import-environment takes sctl's own variables.
	if _, errs, code := sctlEnv(t, s, []string{"BAR=imported"}, "import-environment", "BAR"); code != 0 {
		t.Errorf("import-environment BAR: exit %d %q", code, errs)
	}
	mustSctl(t, s, "start", "env.service")
	if !s.WaitFor(10*time.Second, func() bool {
		out, _, _ := s.Sctl("logs", "env.service")
		return strings.Contains(out, "FOO=one two BAR=imported MINE=unit")
	}) {
		out, _, _ := s.Sctl("logs", "env.service")
		t.Errorf("the unit did not get the manager environment:\n%s", out)
	}
	// Kept across daemon-reexec (the checkpoint).
	mustSctl(t, s, "daemon-reexec")
	if out := mustSctl(t, s, "show-environment"); out != "FOO=one two\nMINE=manager\nBAR=imported\n" {
		t.Errorf("show-environment after daemon-reexec: %q", out)
	}

	// get-default and set-default.
	if out := mustSctl(t, s, "get-default"); out != "multi-user.target\n" {
		t.Errorf("get-default: %q", out)
	}
	_, errs, code := s.Sctl("set-default", "rescue")
	if code != 0 || !strings.Contains(errs, "Created symlink /etc/sysmaster/system/default.target → /usr/lib/sysmaster/system/rescue.target.") {
		t.Errorf("set-default rescue: exit %d %q", code, errs)
	}
	if out := mustSctl(t, s, "get-default"); out != "rescue.target\n" {
		t.Errorf("get-default after set-default rescue: %q", out)
	}
	if _, errs, code := s.Sctl("set-default", "nosuch.target"); code == 0 {
		t.Errorf("set-default nosuch.target succeeded: %q", errs)
	}
}

// TestUnitFileVerbs: add-wants, add-requires, link, revert, edit (drop-in and --full, with $SYSTEMD_EDITOR),
// set-property, and the aliases of the job verbs.
func TestUnitFileVerbs(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	linked := filepath.Join(outside, "linked.service")
	if err := os.WriteFile(linked, []byte("[Unit]\nDescription=Linked from outside\n[Service]\nExecStart=/bin/sleep infinity\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	units := map[string]string{
		"a.service":                 "[Unit]\nDescription=A\n[Service]\nExecStart=/bin/sleep infinity\n",
		"a.service.d/10-extra.conf": "[Unit]\nDescription=A with a drop-in\n",
		"group.target":              "[Unit]\nDescription=Group\n",
		"reloadable.service":        "[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n",
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	_, errs, code := s.Sctl("add-wants", "group.target", "a")
	if code != 0 || !strings.Contains(errs, "Created symlink /etc/sysmaster/system/group.target.wants/a.service → /etc/sysmaster/system/a.service.") {
		t.Errorf("add-wants: exit %d %q", code, errs)
	}
	if out := s.Show("group.target", "Wants"); out != "a.service" {
		t.Errorf("group.target Wants=%q after add-wants", out)
	}
	mustSctl(t, s, "add-requires", "group.target", "reloadable.service")
	if out := s.Show("group.target", "Requires"); out != "reloadable.service" {
		t.Errorf("group.target Requires=%q after add-requires", out)
	}
	out := mustSctl(t, s, "cat", "--with-dependencies", "group.target")
	for _, want := range []string{"# /etc/sysmaster/system/group.target\n", "# /etc/sysmaster/system/a.service\n", "# /etc/sysmaster/system/reloadable.service\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("cat --with-dependencies group.target lacks %q:\n%s", want, out)
		}
	}

	_, errs, code = s.Sctl("link", linked)
	if code != 0 || !strings.Contains(errs, "Created symlink /etc/sysmaster/system/linked.service → "+linked+".") {
		t.Errorf("link: exit %d %q", code, errs)
	}
	if out := s.Show("linked.service", "Description"); out != "Linked from outside" {
		t.Errorf("linked.service Description=%q", out)
	}
	if _, _, code := s.Sctl("link", "relative.service"); code == 0 {
		t.Errorf("link of a relative path succeeded")
	}

	// edit: the editor gets the template; what it writes between the markers becomes override.conf.
	editor := filepath.Join(outside, "editor.sh")
	script := "#!/bin/sh\ncp \"$1\" " + filepath.Join(outside, "seen") + "\nsed -i '/^### Anything between/a [Unit]\\nDescription=Edited' \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := sctlEnv(t, s, []string{"SYSTEMD_EDITOR=" + editor}, "edit", "a.service"); code != 0 {
		t.Fatalf("edit: exit %d %s%s", code, out, errs)
	}
	seen, _ := os.ReadFile(filepath.Join(outside, "seen"))
	for _, want := range []string{"### Editing /etc/sysmaster/system/a.service.d/override.conf\n", "### /etc/sysmaster/system/a.service\n# [Unit]\n# Description=A\n", "### Lines below this comment will be discarded\n"} {
		if !strings.Contains(string(seen), want) {
			t.Errorf("the editor's file lacks %q:\n%s", want, seen)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(s.Etc, "system/a.service.d/override.conf")); string(b) != "[Unit]\nDescription=Edited\n" {
		t.Errorf("override.conf: %q", b)
	}
	if out := s.Show("a.service", "Description"); out != "Edited" {
		t.Errorf("Description=%q after edit (daemon-reload)", out)
	}
	// An editor that leaves the drop-in empty cancels it.
	if _, errs, code := sctlEnv(t, s, []string{"SYSTEMD_EDITOR=/bin/true"}, "edit", "--runtime", "group.target"); code != 0 || !strings.Contains(errs, "Editing \"/run/sysmaster/system/group.target.d/override.conf\" canceled: temporary file is empty.") {
		t.Errorf("edit with an empty result: exit %d %q", code, errs)
	}
	// --full: the copy of the unit file the editor changed replaces it in /etc.
	full := filepath.Join(outside, "full.sh")
	if err := os.WriteFile(full, []byte("#!/bin/sh\nsed -i 's/^Description=.*/Description=Full copy/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := sctlEnv(t, s, []string{"EDITOR=" + full}, "edit", "--full", "--runtime", "reloadable"); code != 0 {
		t.Errorf("edit --full: exit %d %s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.InitPid), "root/run/sysmaster/system/reloadable.service")); !strings.Contains(string(b), "ExecReload=/bin/true") {
		t.Errorf("edit --full --runtime wrote %q", b)
	}
	if _, errs, code := sctlEnv(t, s, []string{"EDITOR=" + full}, "edit", "nosuch.service"); code != 1 || !strings.Contains(errs, "Run 'sctl edit --force --full nosuch.service' to create a new unit.") {
		t.Errorf("edit nosuch.service: exit %d %q", code, errs)
	}

	// set-property: a 50-NAME.conf drop-in, reloaded (a.service's override.conf sorts after it and wins).
	mustSctl(t, s, "set-property", "group.target", "Description=Set")
	if out := s.Show("group.target", "Description"); out != "Set" {
		t.Errorf("Description=%q after set-property", out)
	}
	mustSctl(t, s, "set-property", "a.service", "Description=Set")
	if out := s.Show("a.service", "Description"); out != "Edited" {
		t.Errorf("Description=%q after set-property under an override.conf", out)
	}
	if b, _ := os.ReadFile(filepath.Join(s.Etc, "system/a.service.d/50-Description.conf")); !strings.Contains(string(b), "[Unit]\nDescription=Set\n") {
		t.Errorf("50-Description.conf: %q", b)
	}

	// revert removes the drop-ins of /etc and /run, and keeps the unit file that is the unit.
	_, errs, code = s.Sctl("revert", "a.service")
	if code != 0 || !strings.Contains(errs, "Removed \"/etc/sysmaster/system/a.service.d/override.conf\".") {
		t.Errorf("revert: exit %d %q", code, errs)
	}
	if out := s.Show("a.service", "Description"); out != "A" {
		t.Errorf("Description=%q after revert", out)
	}

	// The job verbs' other names.
	mustSctl(t, s, "start", "a", "reloadable")
	pid := s.Show("a.service", "MainPID")
	rpid := s.Show("reloadable.service", "MainPID")
	mustSctl(t, s, "force-reload", "a", "reloadable")
	if s.Show("a.service", "MainPID") == pid {
		t.Errorf("force-reload of a unit that cannot reload did not restart it")
	}
	if s.Show("reloadable.service", "MainPID") != rpid {
		t.Errorf("force-reload of a unit that can reload restarted it")
	}
	mustSctl(t, s, "stop", "a")
	mustSctl(t, s, "condrestart", "a")
	if st := s.Show("a.service", "ActiveState"); st != "inactive" {
		t.Errorf("condrestart started an inactive unit: %s", st)
	}
	_, errs, code = s.Sctl("-T", "try-reload-or-restart", "reloadable")
	if code != 0 || !strings.Contains(errs, "Enqueued anchor job ") || !strings.Contains(errs, " reloadable.service/reload.") {
		t.Errorf("-T try-reload-or-restart: exit %d %q", code, errs)
	}
}

// TestSctlOptions: --version, help, --failed, -P, --legend=, --output=json, an unknown -t, --dry-run and the verbs
// sysmaster does not have.
func TestSctlOptions(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"fail.service": "[Service]\nType=oneshot\nExecStart=/bin/false\n",
		"python3.11.service": "[Service]\nExecStart=/bin/sleep infinity\n"}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if out, _, code := s.Sctl("--version"); code != 0 || !strings.HasPrefix(out, "sctl (sysmaster) ") {
		t.Errorf("--version: exit %d %q", code, out)
	}
	if out, _, code := s.Sctl("help"); code != 0 || !strings.Contains(out, "is-system-running") {
		t.Errorf("help: exit %d %q", code, out)
	}
	s.Sctl("start", "fail.service")
	if out, _, code := s.Sctl("list-units", "--failed", "--legend=no"); code != 0 || !strings.HasPrefix(out, "● fail.service loaded failed failed") || strings.Count(out, "\n") != 1 {
		t.Errorf("list-units --failed --legend=no: exit %d %q", code, out)
	}
	if out, _, code := s.Sctl("show", "-P", "ActiveState", "fail.service"); code != 0 || out != "failed\n" {
		t.Errorf("show -P ActiveState: exit %d %q", code, out)
	}
	out, _, code := s.Sctl("list-units", "--output=json", "--failed")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) != 1 || rows[0]["unit"] != "fail.service" || rows[0]["active"] != "failed" || rows[0]["job"] != nil {
		t.Errorf("list-units --output=json --failed: exit %d %v %q", code, rows, out)
	}
	out, _, code = s.Sctl("list-unit-files", "-o", "json", "fail.service")
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) != 1 || rows[0]["unit_file"] != "fail.service" || rows[0]["state"] != "static" {
		t.Errorf("list-unit-files -o json: exit %d %v %q", code, rows, out)
	}
	if _, errs, code := s.Sctl("list-units", "-t", "nosuchtype"); code != 1 || errs != "Unknown unit type or load state 'nosuchtype'.\n" {
		t.Errorf("-t nosuchtype: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("list-units", "--legend=maybe"); code != 1 || !strings.Contains(errs, "--legend=") {
		t.Errorf("--legend=maybe: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("poweroff", "--dry-run"); code != 0 {
		t.Errorf("poweroff --dry-run: exit %d %q", code, errs)
	}
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("poweroff --dry-run brought the system down: %s", st)
	}
	// The verbs left unsupported (freeze, clean, log-level and the like are verbs_test.go's).
	for _, verb := range []string{"switch-root", "suspend", "hibernate", "hybrid-sleep", "list-machines", "service-log-level"} {
		if _, errs, code := s.Sctl(verb, "fail.service"); code != 1 || !strings.Contains(errs, "sctl "+verb+" is not supported: ") {
			t.Errorf("%s: exit %d %q", verb, code, errs)
		}
	}
	// status without a unit: the system overview; status PID: the unit of that process; names mangled.
	if out, _, code := s.Sctl("status"); code != 0 || !strings.Contains(out, "State: degraded\n") || !strings.Contains(out, "Failed: 1 units\n") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	mustSctl(t, s, "start", "python3.11")
	pid := s.Show("python3.11.service", "MainPID")
	if out, errs, code := s.Sctl("status", pid); code != 0 || !strings.HasPrefix(out, "● python3.11.service") {
		t.Errorf("status %s: exit %d\n%s%s", pid, code, out, errs)
	}
	if _, errs, code := s.Sctl("disable", "nosuch.service"); code == 0 || !strings.Contains(errs, "nosuch.service") {
		t.Errorf("disable nosuch.service: exit %d %q", code, errs)
	}
	mustSctl(t, s, "rescue", "--dry-run")
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("rescue --dry-run isolated: multi-user.target %s", st)
	}
	// rescue isolates rescue.target: maintenance, which is-system-running reports.
	mustSctl(t, s, "rescue", "--no-block")
	if !s.WaitFor(20*time.Second, func() bool { out, _, _ := s.Sctl("is-system-running"); return out == "maintenance\n" }) {
		out, _, _ := s.Sctl("is-system-running")
		t.Errorf("is-system-running after rescue: %q", out)
	}
}

// sctlEnv runs sctl in the system's namespaces with env added to its environment.
func sctlEnv(t *testing.T, s *harness.System, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(s.InitPid), "-m", "-p", "--",
		filepath.Join(s.Root, "usr/bin/sctl")}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sctl: %v", err)
	}
	return out.String(), errb.String(), code
}

// TestStatusLikeSystemctl: status shows what systemctl 252's does: "failed (Result: exit-code)", the main
// process's end with systemd's status names, TriggeredBy:, Triggers:, Listen:, Docs:, and the daemon-reload
// warning when a unit file changed on disk.
func TestStatusLikeSystemctl(t *testing.T) {
	t.Parallel()
	units := map[string]string{
		"noexec.service": "[Unit]\nDocumentation=man:noexec(8) https://example.org/noexec\n[Service]\nExecStart=/nonexistent/binary\n",
		"echo.socket":    "[Socket]\nListenStream=/run/echo.sock\n",
		"echo.service":   "[Service]\nExecStart=/bin/sleep infinity\n",
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "noexec.service")
	// Type=simple is started at the fork; the exec failure follows.
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("noexec.service", "ActiveState") == "failed" }) {
		t.Fatalf("noexec.service never failed")
	}
	out, _, code := s.Sctl("status", "noexec.service")
	for _, want := range []string{"Active: failed (Result: exit-code) since ", "Main PID: ", "(code=exited, status=203/EXEC)",
		"Docs: man:noexec(8)\n", "             https://example.org/noexec\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("status noexec.service lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	mustSctl(t, s, "start", "echo.socket")
	out, _, _ = s.Sctl("status", "echo.socket")
	for _, want := range []string{"Triggers: ● echo.service\n", "Listen: /run/echo.sock (Stream)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("status echo.socket lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = s.Sctl("list-sockets", "--output=json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0]["listen"] != "/run/echo.sock" || rows[0]["unit"] != "echo.socket" || rows[0]["activates"] != "echo.service" {
		t.Errorf("list-sockets --output=json: %v %q", rows, out)
	}
	if out, _, _ = s.Sctl("status", "echo.service"); !strings.Contains(out, "TriggeredBy: ● echo.socket\n") {
		t.Errorf("status echo.service lacks TriggeredBy:\n%s", out)
	}
	s.WriteFile("system/echo.service", "[Unit]\nDescription=changed\n[Service]\nExecStart=/bin/sleep infinity\n")
	if out, _, _ = s.Sctl("status", "echo.service"); !strings.Contains(out, "Warning: The unit file, source configuration file or drop-ins of echo.service changed on disk. Run 'sctl daemon-reload' to reload units.") {
		t.Errorf("status after a change on disk lacks the warning:\n%s", out)
	}
}
