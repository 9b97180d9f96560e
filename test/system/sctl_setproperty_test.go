package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// sctl set-property applies to the running unit as systemctl's does: the core's SetUnitProperties (the D-Bus
// method's path) writes the drop-ins, runtime or persistent, and the resource settings to the running cgroup at
// once; a property that cannot be set, a bad value or an unknown unit fails, naming it, and changes nothing.
func TestSctlSetPropertyLive(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "web.service")
	cg := s.Show("web.service", "ControlGroup")
	pidsMax := func() string {
		b, _ := s.ReadFile("/sys/fs/cgroup/pids" + cg + "/pids.max")
		if b == "" {
			b, _ = s.ReadFile("/sys/fs/cgroup" + cg + "/pids.max")
		}
		return strings.TrimSpace(b)
	}

	mustSctl(t, s, "set-property", "--runtime", "web", "TasksMax=33")
	const header = "# This is a drop-in unit file extension, created via \"systemctl set-property\"\n# or an equivalent operation. Do not edit.\n"
	if got, err := s.ReadFile("/run/sysmaster/system/web.service.d/50-TasksMax.conf"); err != nil || got != header+"[Service]\nTasksMax=33\n" {
		t.Errorf("the runtime drop-in: %q %v", got, err)
	}
	if got := pidsMax(); got != "33" {
		t.Errorf("pids.max of the running unit: %q, want 33", got)
	}
	mustSctl(t, s, "set-property", "web.service", "MemoryMax=48M", "Description=Set by sctl")
	if got, err := s.ReadFile("/etc/sysmaster/system/web.service.d/50-MemoryMax.conf"); err != nil || got != header+"[Service]\nMemoryMax=50331648\n" {
		t.Errorf("the persistent drop-in: %q %v", got, err)
	}
	if got := memoryLimit(t, cg); got != "50331648" {
		t.Errorf("the memory limit of the running unit: %s", got)
	}
	if got := s.Show("web.service", "Description"); got != "Set by sctl" {
		t.Errorf("Description: %q", got)
	}
	if got := s.Show("web.service", "ActiveState"); got != "active" {
		t.Errorf("web.service is %s after set-property", got)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"web.service", "ExecStart=/bin/true"}, "Failed to set unit properties on web.service: Cannot set property ExecStart, or unknown property."},
		{[]string{"web.service", "TasksMax=12", "MemoryMax=lots"}, "Failed to parse MemoryMax= value 'lots'"},
		{[]string{"web.service", "TasksMax"}, "Not an assignment: TasksMax"},
		{[]string{"nothere.service", "TasksMax=12"}, "Unit nothere.service not found."},
	} {
		if _, errs, code := s.Sctl(append([]string{"set-property"}, c.args...)...); code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("set-property %v: exit %d %q, want %q", c.args, code, errs, c.want)
		}
	}
	if got := pidsMax(); got != "33" {
		t.Errorf("pids.max after the refused calls: %q", got)
	}
	if _, err := s.ReadFile("/etc/sysmaster/system/nothere.service.d/50-TasksMax.conf"); err == nil {
		t.Error("a refused set-property wrote a drop-in")
	}
}
