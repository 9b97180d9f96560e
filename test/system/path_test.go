package system

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// waitState waits until unit is in ActiveState/SubState want ("active/waiting").
func waitState(t *testing.T, s *harness.System, unit, want string, timeout time.Duration) {
	t.Helper()
	var got string
	if !s.WaitFor(timeout, func() bool {
		out, _, code := s.Sctl("show", "-p", "ActiveState", "-p", "SubState", "--value", unit)
		got = strings.Join(strings.Fields(out), "/")
		return code == 0 && got == want
	}) {
		logs, _, _ := s.Sctl("logs", unit)
		t.Fatalf("%s is %s, want %s\n%s", unit, got, want, logs)
	}
}

// A path unit starts its service when the file appears, with TRIGGER_PATH= and TRIGGER_UNIT= in its environment;
// the path unit runs while the service does.
func TestPathExistsStartsServiceWithTriggerPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flag := filepath.Join(dir, "sub", "flag")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"watch.path": "[Path]\nPathExists=" + flag + "\n",
		"watch.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\n" +
			"ExecStart=/bin/sh -c 'echo \"$TRIGGER_UNIT $TRIGGER_PATH\" > " + dir + "/seen'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "watch.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "watch.path", "active/waiting", 5*time.Second)
	if st := s.Show("watch.service", "ActiveState"); st != "inactive" {
		t.Fatalf("the service is %s before the file exists", st)
	}
	// Its parent directory does not exist either: the watch of the directories above sees both appear.
	if err := os.MkdirAll(filepath.Dir(flag), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "watch.service", "active/exited", 10*time.Second)
	waitState(t, s, "watch.path", "active/running", 5*time.Second)
	b, err := os.ReadFile(filepath.Join(dir, "seen"))
	if got, want := strings.TrimSpace(string(b)), "watch.path "+flag; err != nil || got != want {
		t.Fatalf("the service saw %q (%v), want %q", got, err, want)
	}
}

// pathScenarios is testdata/path-units/path-unit-scenarios.json: systemd's test-path.c, step by step.
type pathScenarios struct {
	Scenarios []struct {
		Name, Unit, Service, Watched string
		Steps                        []struct {
			Action   string
			ExpectFS string `json:"expect_fs"`
			Expect   *struct{ Path, Service string }
		}
	}
}

// readPathUnits returns the unit files of testdata/path-units/DIR with /tmp/ rewritten to tmp.
func readPathUnits(t *testing.T, dir, tmp string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("testdata/path-units", dir))
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]string{}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".target") {
			continue // the test's own minimal targets: the factory ones stand in
		}
		b, err := os.ReadFile(filepath.Join("testdata/path-units", dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		units[e.Name()] = strings.ReplaceAll(string(b), "/tmp/", tmp+"/")
	}
	return units
}

// TestPathScenarios runs systemd's seven path unit scenarios (src/test/test-path.c) against a booted sysmaster:
// each step's action, then the states the path unit and its service must reach, with result success.
func TestPathScenarios(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/path-units/path-unit-scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	var data pathScenarios
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Scenarios) != 7 {
		t.Fatalf("%d scenarios, want 7", len(data.Scenarios))
	}
	for _, sc := range data.Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			s := harness.Start(t, harness.Options{Units: readPathUnits(t, "test-path", tmp)})
			s.WaitActive("multi-user.target", "active", 20*time.Second)
			local := func(p string) string { return strings.ReplaceAll(p, "/tmp/", tmp+"/") }
			watched := strings.TrimSuffix(local(sc.Watched), "/")
			sctl := func(args ...string) {
				t.Helper()
				if _, errs, code := s.Sctl(args...); code != 0 {
					t.Fatalf("sctl %v: exit %d: %s", args, code, errs)
				}
			}
			var open []*os.File
			defer func() {
				for _, f := range open {
					f.Close()
				}
			}()
			restarted := ""
			for i, st := range sc.Steps {
				switch a := st.Action; {
				case st.Expect != nil:
					want := map[string]string{sc.Unit: "active/" + st.Expect.Path, sc.Service: "inactive/dead"}
					if st.Expect.Service == "running" {
						want[sc.Service] = "active/running"
					}
					for _, u := range []string{sc.Unit, sc.Service} {
						waitState(t, s, u, want[u], 30*time.Second)
						if r := s.Show(u, "Result"); r != "success" {
							t.Fatalf("step %d: %s Result=%s", i, u, r)
						}
					}
					if restarted != "" && st.Expect.Service == "running" {
						// "stop service" and the service runs again: it must be a new process, not the old one.
						if pid := s.Show(sc.Service, "MainPID"); pid == restarted || pid == "0" {
							t.Fatalf("step %d: %s was not started again (MainPID %s)", i, sc.Service, pid)
						}
					}
					restarted = ""
				case st.ExpectFS != "":
					_, err := os.Stat(watched)
					switch {
					case strings.Contains(st.ExpectFS, "does not exist"):
						if err == nil {
							t.Fatalf("step %d: %s exists", i, watched)
						}
					case strings.Contains(st.ExpectFS, "mode is 0744"):
						fi, err := os.Stat(watched)
						if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o744 {
							t.Fatalf("step %d: %s: %v %v, want a directory of mode 0744", i, watched, fi, err)
						}
					default:
						t.Fatalf("step %d: unknown check %q", i, st.ExpectFS)
					}
				case strings.HasPrefix(a, "start path unit"):
					sctl("start", sc.Unit)
				case strings.HasPrefix(a, "stop path unit"):
					sctl("stop", sc.Unit)
					os.RemoveAll(watched)
				case a == "stop service":
					restarted = s.Show(sc.Service, "MainPID")
					sctl("stop", sc.Service)
				case strings.HasPrefix(a, "touch "):
					if err := os.WriteFile(local(strings.TrimPrefix(a, "touch ")), nil, 0o644); err != nil {
						t.Fatal(err)
					}
				case strings.HasPrefix(a, "rm -rf "):
					os.RemoveAll(local(strings.TrimSuffix(strings.Fields(a)[2], ";")))
					if strings.Contains(a, "stop path unit") {
						sctl("stop", sc.Unit)
					}
				case strings.HasPrefix(a, "open ") && strings.Contains(a, "for writing and close"):
					f, err := os.OpenFile(watched, os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					f.Close()
				case strings.HasPrefix(a, "fopen("):
					// fopen(…, "w") truncates; fputs stays in stdio's buffer and the FILE stays open.
					f, err := os.OpenFile(watched, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
					if err != nil {
						t.Fatal(err)
					}
					open = append(open, f)
				case strings.HasPrefix(a, "mkdir -p "):
					if err := os.MkdirAll(watched, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(watched, "test_file"), nil, 0o644); err != nil {
						t.Fatal(err)
					}
				default:
					t.Fatalf("step %d: unknown action %q", i, a)
				}
			}
		})
	}
}

// TEST-63, trigger limit: a service whose condition always fails is triggered again each time its job ends while
// the file exists, until the path unit's trigger limit fails it with Result=trigger-limit-hit; the service is
// never started.
func TestPathTriggerLimit(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	s := harness.Start(t, harness.Options{Units: readPathUnits(t, "testsuite-63", tmp)})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	if _, errs, code := s.Sctl("start", "test63.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "test63.path", "active/waiting", 10*time.Second)
	if err := os.WriteFile(filepath.Join(tmp, "test63"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "test63.path", "failed/failed", 30*time.Second)
	if r := s.Show("test63.path", "Result"); r != "trigger-limit-hit" {
		t.Errorf("test63.path Result=%s, want trigger-limit-hit", r)
	}
	if st, r := s.Show("test63.service", "ActiveState"), s.Show("test63.service", "Result"); st != "inactive" || r != "success" {
		t.Errorf("test63.service %s/%s, want inactive/success", st, r)
	}
	logs, _, _ := s.Sctl("logs", "test63.path")
	if !strings.Contains(logs, "Trigger limit hit, refusing further activation.") {
		t.Errorf("the log does not say why:\n%s", logs)
	}

	// TEST-63, the second case: a manual start of the service changes nothing in the path unit.
	os.Remove(filepath.Join(tmp, "test63"))
	s.Sctl("reset-failed", "test63.path")
	if _, errs, code := s.Sctl("start", "test63.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "test63.path", "active/waiting", 10*time.Second)
	s.Sctl("start", "test63.service") // its condition fails: nothing runs
	if st, r := s.Show("test63.service", "ActiveState"), s.Show("test63.service", "Result"); st != "inactive" || r != "success" {
		t.Errorf("test63.service %s/%s after a manual start, want inactive/success", st, r)
	}
	waitState(t, s, "test63.path", "active/waiting", 5*time.Second)
	if r := s.Show("test63.path", "Result"); r != "success" {
		t.Errorf("test63.path Result=%s after the manual start", r)
	}
}

// TEST-63, glob: the service sees TRIGGER_PATH= (the file that matched) and TRIGGER_UNIT= in the environment of
// its commands. systemd's unit ends with `systemd-notify --ready`, which sysmaster does not ship: a oneshot
// stands in.
func TestPathGlobActivationDetails(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	units := readPathUnits(t, "testsuite-63", tmp)
	units["test63-glob.service"] = strings.Replace(strings.Replace(units["test63-glob.service"],
		"ExecStart=systemd-notify --ready", "ExecStart=/bin/true", 1), "Type=notify", "Type=oneshot", 1)
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	if _, errs, code := s.Sctl("start", "test63-glob.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "test63-glob.path", "active/waiting", 10*time.Second)
	if err := os.WriteFile(filepath.Join(tmp, "test63-glob-foo"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Both ExecStartPre= checks pass only with the right TRIGGER_PATH= and TRIGGER_UNIT=.
	waitState(t, s, "test63-glob.service", "active/exited", 20*time.Second)
}

// The inotify descriptor is the host's: a path plugin killed while its unit waits loses no change. A
// PathChanged= unit triggers only on a record the host read from the descriptor it kept (the plugin that comes
// back gets no Recover, and a re-check sees no change in existence).
func TestPathPluginCrashKeepsTheWatch(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "data")
	if err := os.WriteFile(file, []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"data.path":    "[Path]\nPathChanged=" + file + "\n",
		"data.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo $TRIGGER_PATH > " + tmp + "/seen'\n",
	}})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	if _, errs, code := s.Sctl("start", "data.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "data.path", "active/waiting", 10*time.Second)
	row := pluginRow(t, s, "path")
	nsPid, _ := strconv.Atoi(row[3])
	if nsPid <= 1 {
		t.Fatalf("list-plugins: %v", row)
	}
	if err := syscall.Kill(hostPid(t, s, nsPid), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !s.WaitFor(10*time.Second, func() bool { return !nsAlive(s, nsPid) }) {
		t.Fatal("the plugin survived SIGKILL")
	}
	if st := s.Show("data.service", "ActiveState"); st != "inactive" {
		t.Fatalf("the service is %s before the change", st)
	}
	if err := os.WriteFile(file, []byte("2"), 0o644); err != nil { // close after write
		t.Fatal(err)
	}
	waitState(t, s, "data.service", "active/exited", 20*time.Second)
	waitState(t, s, "data.path", "active/running", 5*time.Second)
	if row := pluginRow(t, s, "path"); row[3] == strconv.Itoa(nsPid) {
		t.Errorf("the path plugin was not restarted: %v", row)
	}
}

// After a core crash the path unit waits again with fresh watches: the host keeps no inotify descriptor across
// a core restart, and the plugin, told so by Recover, watches anew.
func TestPathCoreCrashWatchesAgain(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	flag := filepath.Join(tmp, "flag")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"flag.path":    "[Path]\nPathExists=" + flag + "\n",
		"flag.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
	}})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	if _, errs, code := s.Sctl("start", "flag.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "flag.path", "active/waiting", 10*time.Second)
	killCore(t, s)
	waitState(t, s, "flag.path", "active/waiting", 10*time.Second)
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "flag.service", "active/exited", 20*time.Second)
}

// A path unit whose directories do not exist yet waits on the nearest one that does, as systemd's does; with
// DirectoryNotEmpty= it triggers once a file lands in the directory, not when the directory appears empty. A
// second path unit with PathExists= on the same directory shows when the directory's creation has been seen.
func TestPathMissingParentDirectoryNotEmpty(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	spool := filepath.Join(tmp, "a", "b", "spool")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"spool.path":    "[Path]\nDirectoryNotEmpty=" + spool + "\n",
		"spool.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
		"seen.path":     "[Path]\nPathExists=" + spool + "\n",
		"seen.service":  "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
	}})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	if _, errs, code := s.Sctl("start", "spool.path", "seen.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "spool.path", "active/waiting", 10*time.Second)
	if err := os.MkdirAll(spool, 0o755); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "seen.service", "active/exited", 20*time.Second)
	if st := s.Show("spool.service", "ActiveState") + "/" + s.Show("spool.path", "SubState"); st != "inactive/waiting" {
		t.Fatalf("an empty directory: spool.service/spool.path are %s, want inactive/waiting", st)
	}
	if err := os.WriteFile(filepath.Join(spool, "job"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "spool.service", "active/exited", 20*time.Second)
}

// jobsOf returns list-jobs' rows as unit → "ID TYPE STATE".
func jobsOf(t *testing.T, s *harness.System) map[string]string {
	t.Helper()
	out, errs, code := s.Sctl("list-jobs", "--no-legend")
	if code != 0 {
		t.Fatalf("list-jobs: %d %s", code, errs)
	}
	jobs := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 4 {
			jobs[f[1]] = f[0] + " " + f[2] + " " + f[3]
		}
	}
	return jobs
}

// TEST-63, issue 24577: no job before the path exists; then start jobs for the service and its Requires=
// dependency (whose oneshot never finishes); a stop of the waiting service cancels its job, and the path unit,
// told the unit lost its job while the file still exists, starts it again; once the file is gone, a stop leaves
// the service without a job and the dependency's job running.
func TestPathIssue24577(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	s := harness.Start(t, harness.Options{Units: readPathUnits(t, "testsuite-63", tmp)})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	const svc, dep = "test63-issue-24577.service", "test63-issue-24577-dep.service"
	if _, errs, code := s.Sctl("start", "test63-issue-24577.path"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitState(t, s, "test63-issue-24577.path", "active/waiting", 10*time.Second)
	if j := jobsOf(t, s); j[svc] != "" || j[dep] != "" {
		t.Fatalf("jobs before the file exists: %v", j)
	}
	if err := os.WriteFile(filepath.Join(tmp, "hoge"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var jobs map[string]string
	if !s.WaitFor(20*time.Second, func() bool { jobs = jobsOf(t, s); return jobs[svc] != "" && jobs[dep] != "" }) {
		t.Fatalf("no jobs after the file appeared: %v", jobs)
	}
	first := jobs[svc]
	if _, errs, code := s.Sctl("stop", svc); code != 0 {
		t.Fatalf("stop: %d %s", code, errs)
	}
	if !s.WaitFor(20*time.Second, func() bool {
		jobs = jobsOf(t, s)
		return jobs[svc] != "" && jobs[svc] != first && jobs[dep] != ""
	}) {
		t.Fatalf("the service was not started again after its stop (before %q): %v", first, jobs)
	}
	os.Remove(filepath.Join(tmp, "hoge"))
	if _, errs, code := s.Sctl("stop", svc); code != 0 {
		t.Fatalf("stop: %d %s", code, errs)
	}
	waitState(t, s, "test63-issue-24577.path", "active/waiting", 10*time.Second)
	if jobs = jobsOf(t, s); jobs[svc] != "" || jobs[dep] == "" {
		t.Fatalf("after the file went and the service stopped: %v, want only %s's job", jobs, dep)
	}
}
