package system

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

func TestDropInsAliasesTemplatesThroughSctl(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"web.target":                "[Unit]\nDescription=Web\n",
			"web.target.d/10-desc.conf": "[Unit]\nDescription=Web (from a drop-in)\nWants=worker@blue.target\n",
			"target.d/50-all.conf":      "[Unit]\nDocumentation=man:sysmaster(1)\n",
			"worker@.target":            "[Unit]\nDescription=Worker %i of %N\n",
		},
		Links: map[string]string{"www.target": "web.target", "gone.target": "/dev/null"},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "www.target"); code != 0 {
		t.Fatalf("start through an alias: exit %d %s", code, errs)
	}
	checks := map[[2]string]string{
		{"www.target", "Id"}:                  "web.target",
		{"web.target", "Names"}:               "web.target www.target",
		{"web.target", "Description"}:         "Web (from a drop-in)",
		{"web.target", "Documentation"}:       `"man:sysmaster(1)"`,
		{"worker@blue.target", "Description"}: "Worker blue of worker@blue",
		{"worker@blue.target", "ActiveState"}: "active",
		{"gone.target", "LoadState"}:          "masked",
	}
	for k, want := range checks {
		if got := s.Show(k[0], k[1]); got != want {
			t.Errorf("%s %s = %q, want %q", k[0], k[1], got, want)
		}
	}
	if dp := s.Show("web.target", "DropInPaths"); !strings.Contains(dp, "/etc/sysmaster/system/target.d/50-all.conf") || !strings.Contains(dp, "web.target.d/10-desc.conf") {
		t.Errorf("DropInPaths = %q", dp)
	}
	_, errs, code := s.Sctl("start", "gone.target")
	if code == 0 || !strings.Contains(errs, "masked") {
		t.Errorf("start of a masked unit: exit %d %q", code, errs)
	}
	out, _, code := s.Sctl("cat", "web.target")
	if code != 0 || !strings.HasPrefix(out, "# /etc/sysmaster/system/web.target\n[Unit]\nDescription=Web\n") || !strings.Contains(out, "# /etc/sysmaster/system/web.target.d/10-desc.conf") {
		t.Errorf("cat:\n%s", out)
	}
}

func TestDaemonReloadPicksUpChanges(t *testing.T) {
	t.Parallel()
	// keep.target, up from boot, references the inactive late.target (After= pulls nothing in), which keeps it
	// loaded as the reload finds it: an unreferenced inactive unit would be collected and read afresh anyway.
	s := harness.Start(t, harness.Options{
		Units: map[string]string{"late.target": "[Unit]\nDescription=Before\n", "keep.target": "[Unit]\nAfter=late.target\n"},
		Links: map[string]string{"multi-user.target.wants/keep.target": "../keep.target"},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if st := s.Show("late.target", "ActiveState"); st != "inactive" {
		t.Fatalf("late.target %s, want inactive", st)
	}
	if d := s.Show("late.target", "Description"); d != "Before" {
		t.Fatalf("Description = %q", d)
	}
	s.WriteFile("system/late.target", "[Unit]\nDescription=After\nWants=new.target\n")
	s.WriteFile("system/new.target", "[Unit]\nDescription=New\n")
	// Make sure the modification time moves even on a coarse clock.
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(filepath.Join(s.Etc, "system/late.target"), future, future)
	if nr := s.Show("late.target", "NeedDaemonReload"); nr != "yes" {
		t.Errorf("NeedDaemonReload = %q after editing the file", nr)
	}
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 {
		t.Fatalf("daemon-reload: exit %d %s", code, errs)
	}
	if d := s.Show("late.target", "Description"); d != "After" {
		t.Errorf("Description after reload = %q", d)
	}
	if w := s.Show("late.target", "Wants"); w != "new.target" {
		t.Errorf("Wants after reload = %q", w)
	}
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("reload changed running state: multi-user.target %s", st)
	}
}

func TestListUnitFiles(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"svc.target": "[Unit]\nDescription=S\n[Install]\nWantedBy=multi-user.target\n",
			"off.target": "[Unit]\nDescription=O\n[Install]\nWantedBy=multi-user.target\n",
			"ind.target": "[Unit]\nDescription=I\n[Install]\nAlso=off.target\n",
		},
		Links: map[string]string{"multi-user.target.wants/svc.target": "../svc.target", "masked.target": "/dev/null"},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	out, _, code := s.Sctl("list-unit-files", "--no-legend")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for unit, state := range map[string]string{"svc.target": "enabled", "off.target": "disabled", "masked.target": "masked", "ind.target": "indirect",
		"basic.target": "static", "default.target": "alias"} {
		if !hasRow(out, unit, state) {
			t.Errorf("list-unit-files: no row %s %s:\n%s", unit, state, out)
		}
	}
	// .wants/ links are real dependencies: svc.target came up with multi-user.target.
	if st := s.Show("svc.target", "ActiveState"); st != "active" {
		t.Errorf("svc.target (enabled) is %s", st)
	}
}

// init restarts a core that dies; the new core brings the system to its default target again.
func TestCoreRestartedByInit(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	core := coreOf(t, s)
	if core <= 1 {
		t.Fatalf("no core found under init %d", s.InitPid)
	}
	if err := syscall.Kill(core, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !s.WaitFor(15*time.Second, func() bool { c := coreOf(t, s); return c != 0 && c != core }) {
		t.Fatalf("no new core; console:\n%s", s.Console())
	}
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if !strings.Contains(s.Console(), "restarting it") {
		t.Errorf("init did not say it restarted the core:\n%s", s.Console())
	}
}

// coreOf returns the host pid of the core: the child of init whose command is sysmaster. Children are listed
// per thread of init (/proc/PID/task/TID/children), so every thread is read.
func coreOf(t *testing.T, s *harness.System) int {
	tasks, _ := filepath.Glob("/proc/" + itoa(s.InitPid) + "/task/*/children")
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(b)) {
			comm, _ := os.ReadFile("/proc/" + f + "/comm")
			if strings.TrimSpace(string(comm)) == "sysmaster" {
				pid, err := strconv.Atoi(f)
				if err == nil {
					return pid
				}
			}
		}
	}
	return 0
}

func TestListDependencies(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"top.target":    "[Unit]\nRequires=mid.target\nWants=leaf-a.target\n",
		"mid.target":    "[Unit]\nWants=leaf-b.target\n",
		"leaf-a.target": "[Unit]\n", "leaf-b.target": "[Unit]\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "top.target")
	out, errs, code := s.Sctl("list-dependencies", "top.target")
	want := "top.target\n● ├─leaf-a.target\n● └─mid.target\n●   └─leaf-b.target\n"
	if code != 0 || out != want {
		t.Errorf("list-dependencies: exit %d %s\n%q\nwant\n%q", code, errs, out, want)
	}
	out, _, _ = s.Sctl("list-dependencies", "--reverse", "leaf-b.target")
	if out != "leaf-b.target\n● └─mid.target\n●   └─top.target\n" {
		t.Errorf("--reverse:\n%q", out)
	}
}
