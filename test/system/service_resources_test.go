package system

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// MemoryMax=32M: a service that fills 200 MB is killed by the OOM killer and fails with Result=oom-kill.
func TestResourceMemoryMaxOOMKill(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"hog.service": "[Service]\nMemoryMax=32M\nExecStart=/usr/bin/python3 -c " +
			"'import time; x = [b\"\\\\x01\" * (1 << 20) for i in range(200)]; print(\"allocated\", len(x)); time.sleep(1000)'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "hog.service")
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("hog.service", "ActiveState") == "failed" }) {
		logs, _, _ := s.Sctl("logs", "hog.service")
		t.Fatalf("hog: %s/%s MemoryCurrent %s\n%s", s.Show("hog.service", "ActiveState"), s.Show("hog.service", "SubState"),
			s.Show("hog.service", "MemoryCurrent"), logs)
	}
	logs, _, _ := s.Sctl("logs", "hog.service")
	if r := s.Show("hog.service", "Result"); r != "oom-kill" {
		t.Errorf("Result %s, want oom-kill\n%s", r, logs)
	}
	if strings.Contains(logs, "allocated 200") {
		t.Errorf("the service got its 200 MB under MemoryMax=32M:\n%s", logs)
	}
	if !strings.Contains(logs, "OOM killer") {
		t.Errorf("the log does not mention the OOM killer:\n%s", logs)
	}
}

// cgroupValue reads a file of a unit's cgroup in the v1 pids hierarchy as the system sees it.
func pidsCurrent(t *testing.T, s *harness.System, cg string) (int, error) {
	b, err := s.ReadFile("/sys/fs/cgroup/pids" + cg + "/pids.current")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(b))
}

// TasksMax=32 holds a fork bomb: its tasks never exceed 32, the manager keeps answering, stop ends it all.
func TestResourceTasksMaxForkBomb(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		// Every child stays in the cgroup (no cgroup escape exists for it); bash retries a failed fork itself.
		"bomb.service": "[Service]\nTasksMax=32\nExecStart=/bin/bash -c 'while :; do sleep 1000 & done'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "bomb.service"); code != 0 {
		t.Fatalf("start: exit %d %s", code, errs)
	}
	cg := s.Show("bomb.service", "ControlGroup")
	if !strings.HasSuffix(cg, "/system.slice/bomb.service") {
		t.Fatalf("ControlGroup %q", cg)
	}
	if max, err := s.ReadFile("/sys/fs/cgroup/pids" + cg + "/pids.max"); err != nil || strings.TrimSpace(max) != "32" {
		t.Errorf("pids.max %q (%v), want 32", max, err)
	}
	maxSeen, maxTasks := 0, 0
	answered := 0
	end := time.Now().Add(4 * time.Second)
	for time.Now().Before(end) {
		n, err := pidsCurrent(t, s, cg)
		if err != nil {
			t.Fatalf("pids.current: %v", err)
		}
		if n > maxSeen {
			maxSeen = n
		}
		tasks, err := strconv.Atoi(s.Show("bomb.service", "TasksCurrent"))
		if err != nil {
			t.Fatalf("TasksCurrent: %v", err)
		}
		if tasks > maxTasks {
			maxTasks = tasks
		}
		t0 := time.Now()
		if _, errs, code := s.Sctl("list-units"); code != 0 {
			t.Errorf("list-units while the bomb runs: exit %d %s", code, errs)
		} else if el := time.Since(t0); el > 3*time.Second {
			t.Errorf("list-units took %v while the bomb runs", el)
		} else {
			answered++
		}
	}
	if maxSeen > 32 || maxTasks > 32 {
		t.Errorf("tasks exceeded TasksMax=32: pids.current up to %d, TasksCurrent up to %d", maxSeen, maxTasks)
	}
	if maxSeen < 30 || maxTasks < 30 {
		t.Errorf("the bomb never reached its limit (pids.current up to %d, TasksCurrent up to %d): not a test of it", maxSeen, maxTasks)
	}
	if answered == 0 {
		t.Errorf("the manager never answered while the bomb ran")
	}
	out, _, code := s.Sctl("status", "bomb.service")
	if code != 0 || !strings.Contains(out, "Tasks: ") || !strings.Contains(out, "CGroup: "+cg) {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	if _, errs, code := s.Sctl("stop", "bomb.service"); code != 0 {
		t.Fatalf("stop: exit %d %s\n%s", code, errs, s.Console())
	}
	if st := s.Show("bomb.service", "ActiveState"); st != "inactive" {
		t.Errorf("after stop: %s", st)
	}
	if tc := s.Show("bomb.service", "TasksCurrent"); tc != "0" && tc != "[not set]" {
		t.Errorf("after stop: TasksCurrent %s", tc)
	}
	if n, err := pidsCurrent(t, s, cg); err == nil && n != 0 {
		t.Errorf("after stop: pids.current %d", n)
	}
}

// MemoryCurrent and TasksCurrent are shown by sctl show and sctl status (Tasks:, Memory:, CGroup:), for a
// service with resource settings.
func TestResourceUsageShown(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"two.service": "[Service]\nMemoryMax=1G\nTasksMax=100\nExecStart=/bin/sh -c 'sleep 1000 & exec sleep 1001'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	checkUsageShown(t, s)
}

// Memory is accounted for every service, limit or not (systemd's MemoryAccounting= is on by default): on a hybrid
// or legacy hierarchy too, MemoryCurrent is known and sctl status has a Memory: line.
func TestResourceMemoryCurrentWithoutLimit(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"two.service": "[Service]\nExecStart=/bin/sh -c 'sleep 1000 & exec sleep 1001'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	checkUsageShown(t, s)
}

func checkUsageShown(t *testing.T, s *harness.System) {
	t.Helper()
	if _, errs, code := s.Sctl("start", "two.service"); code != 0 {
		t.Fatalf("start: exit %d %s", code, errs)
	}
	if !s.WaitFor(5*time.Second, func() bool { return s.Show("two.service", "TasksCurrent") == "2" }) {
		t.Errorf("TasksCurrent %s, want 2", s.Show("two.service", "TasksCurrent"))
	}
	mem, err := strconv.ParseUint(s.Show("two.service", "MemoryCurrent"), 10, 64)
	if err != nil || mem == 0 || mem > 1<<30 {
		t.Errorf("MemoryCurrent %q (%v)", s.Show("two.service", "MemoryCurrent"), err)
	}
	cg := s.Show("two.service", "ControlGroup")
	out, _, code := s.Sctl("status", "two.service")
	if code != 0 || !strings.Contains(out, "Tasks: 2") || !strings.Contains(out, "Memory: ") || cg == "" ||
		!strings.Contains(out, "CGroup: "+cg) {
		t.Errorf("status: exit %d (ControlGroup %q)\n%s", code, cg, out)
	}
}
