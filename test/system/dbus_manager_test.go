package system

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// privateBusctl runs busctl on /run/systemd/private as root.
func privateBusctl(t *testing.T, s *harness.System, args ...string) (string, string, int) {
	t.Helper()
	return inNS(t, s, 0, append([]string{"/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "--no-pager"}, args...)...)
}

// GetUnitByInvocationID finds a unit by its running invocation's id (16 bytes), as systemd 252's: an unknown id is
// NoUnitForInvocationID, one of another length InvalidArgs.
func TestGetUnitByInvocationID(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "web.service")
	id, err := hex.DecodeString(s.Show("web.service", "InvocationID"))
	if err != nil || len(id) != 16 {
		t.Fatalf("InvocationID %x: %v", id, err)
	}
	call := func(id []byte) (string, string, int) {
		args := []string{"call", "org.freedesktop.systemd1", managerObj, managerIf, "GetUnitByInvocationID", "ay", strconv.Itoa(len(id))}
		for _, b := range id {
			args = append(args, strconv.Itoa(int(b)))
		}
		return privateBusctl(t, s, args...)
	}
	if out, errs, code := call(id); code != 0 || out != "o \"/org/freedesktop/systemd1/unit/web_2eservice\"\n" {
		t.Errorf("GetUnitByInvocationID of web.service's id: exit %d %q %s", code, out, errs)
	}
	unknown := make([]byte, 16)
	copy(unknown, id)
	unknown[0] ^= 0xff
	if _, errs, code := call(unknown); code == 0 || !strings.Contains(errs, "No unit with the specified invocation ID "+hex.EncodeToString(unknown)+" known.") {
		t.Errorf("an unknown id: exit %d %s", code, errs)
	}
	if _, errs, code := call(id[:5]); code == 0 || !strings.Contains(errs, "Invalid invocation ID") {
		t.Errorf("a 5-byte id: exit %d %s", code, errs)
	}
	// A restart is another invocation: the old id names nothing.
	mustSctl(t, s, "restart", "web.service")
	if _, errs, code := call(id); code == 0 || !strings.Contains(errs, "No unit with the specified invocation ID") {
		t.Errorf("the id of the invocation before a restart: exit %d %s", code, errs)
	}
}

// SetUnitProperties (Debian's systemctl set-property): a runtime or persistent drop-in per property, as systemd
// writes it, and the running unit's cgroup changed at once; a property that cannot be set on a unit that exists is
// refused as systemd refuses it, naming it, and changes nothing.
func TestSetUnitProperties(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "web.service")
	cg := s.Show("web.service", "ControlGroup")

	mustSystemctl(t, s, "set-property", "--runtime", "web.service", "TasksMax=77")
	const header = "# This is a drop-in unit file extension, created via \"systemctl set-property\"\n# or an equivalent operation. Do not edit.\n"
	if got, err := s.ReadFile("/run/sysmaster/system/web.service.d/50-TasksMax.conf"); err != nil || got != header+"[Service]\nTasksMax=77\n" {
		t.Errorf("the runtime drop-in: %q %v", got, err)
	}
	if max, err := s.ReadFile("/sys/fs/cgroup/pids" + cg + "/pids.max"); err != nil || strings.TrimSpace(max) != "77" {
		t.Errorf("pids.max of the running unit %q (%v), want 77", max, err)
	}
	if got := s.Show("web.service", "TasksMax"); got != "77" {
		t.Errorf("sctl show -p TasksMax: %q", got)
	}
	mustSystemctl(t, s, "set-property", "web.service", "MemoryMax=64M", "Description=Set at run time")
	if got, err := s.ReadFile("/etc/sysmaster/system/web.service.d/50-MemoryMax.conf"); err != nil || got != header+"[Service]\nMemoryMax=67108864\n" {
		t.Errorf("the persistent drop-in: %q %v", got, err)
	}
	if got := memoryLimit(t, cg); got != "67108864" {
		t.Errorf("the memory limit of the running unit: %s", got)
	}
	if got := s.Show("web.service", "Description"); got != "Set at run time" {
		t.Errorf("Description: %q", got)
	}

	// Refusals, through busctl: systemd's error names and texts.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"web.service", "true", "1", "NoSuchThing", "s", "x"}, "Cannot set property NoSuchThing, or unknown property."},
		{[]string{"web.service", "true", "1", "ExecStart", "a(sasb)", "1", "/bin/true", "1", "/bin/true", "false"}, "Cannot set property ExecStart, or unknown property."},
		{[]string{"web.service", "true", "1", "TasksMax", "s", "12"}, "Invalid value for property TasksMax"},
		{[]string{"nothere.service", "true", "1", "TasksMax", "t", "12"}, "Unit nothere.service not found."},
	} {
		_, errs, code := privateBusctl(t, s, append([]string{"call", "org.freedesktop.systemd1", managerObj, managerIf, "SetUnitProperties", "sba(sv)"}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("SetUnitProperties %v: exit %d %s, want %q", c.args, code, errs, c.want)
		}
	}
	if max, _ := s.ReadFile("/sys/fs/cgroup/pids" + cg + "/pids.max"); strings.TrimSpace(max) != "77" {
		t.Errorf("pids.max after the refused calls: %q", max)
	}
	// python3-dbus names the error of an unknown property: systemd's PropertyReadOnly.
	const py = `import dbus
m = dbus.Interface(dbus.SystemBus().get_object('org.freedesktop.systemd1', '/org/freedesktop/systemd1'), 'org.freedesktop.systemd1.Manager')
try:
    m.SetUnitProperties('web.service', True, [('Frobnicate', dbus.String('x'))])
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name())
`
	if out, errs, code := inNS(t, s, 0, "env", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/systemd/private", "/usr/bin/python3", "-c", py); code != 0 || out != "org.freedesktop.DBus.Error.PropertyReadOnly\n" {
		t.Errorf("python3-dbus: exit %d %q %s", code, out, errs)
	}
}

// `systemctl poweroff -f` calls Manager.PowerOff, which powers off at once as systemd 252's: no unit is stopped in
// order (a service's ExecStop= does not run); `systemctl poweroff` starts poweroff.target, which stops it.
func TestPowerOffForce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args    []string
		stopped bool
	}{{[]string{"poweroff", "-f"}, false}, {[]string{"poweroff"}, true}} {
		marker := filepath.Join(t.TempDir(), "stopped")
		s := harness.Start(t, harness.Options{Units: map[string]string{
			"web.service": "[Service]\nExecStart=/bin/sleep 1000\nExecStop=/bin/touch " + marker + "\n",
		}})
		s.WaitActive("multi-user.target", "active", 10*time.Second)
		mustSctl(t, s, "start", "web.service")
		out, errs, code := systemctl(t, s, c.args...)
		select {
		case <-s.Exited():
		case <-time.After(30 * time.Second):
			t.Fatalf("systemctl %v: the system did not end; console:\n%s", c.args, s.Console())
		}
		// systemctl may be killed by the system's end (exit -1) before it reads the answer, as under systemd.
		if code != 0 && code != -1 {
			t.Errorf("systemctl %v: exit %d %s%s", c.args, code, out, errs)
		}
		if _, err := os.Stat(marker); (err == nil) != c.stopped {
			t.Errorf("systemctl %v: web.service's ExecStop ran: %v, want %v; console:\n%s", c.args, err == nil, c.stopped, s.Console())
		}
	}
}

// SwitchRoot outside an initrd is refused as systemd 252 refuses it (InvalidArgs), after its checks of the path,
// in its order; nothing else happens: the system goes on.
func TestSwitchRootRefused(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, c := range []struct{ root, want string }{
		{"", "Not in initrd, refusing switch-root operation."},
		{"/sysroot", "Not in initrd, refusing switch-root operation."},
		{"sysroot", "New root path 'sysroot' is not absolute."},
		{"/", "New root directory cannot be the old root directory."},
	} {
		_, errs, code := privateBusctl(t, s, "call", "org.freedesktop.systemd1", managerObj, managerIf, "SwitchRoot", "ss", c.root, "")
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("SwitchRoot(%q): exit %d %s, want %q", c.root, code, errs, c.want)
		}
	}
	const py = `import dbus
m = dbus.Interface(dbus.SystemBus().get_object('org.freedesktop.systemd1', '/org/freedesktop/systemd1'), 'org.freedesktop.systemd1.Manager')
try:
    m.SwitchRoot('/sysroot', '')
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name())
`
	if out, errs, code := inNS(t, s, 0, "env", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/systemd/private", "/usr/bin/python3", "-c", py); code != 0 || out != "org.freedesktop.DBus.Error.InvalidArgs\n" {
		t.Errorf("python3-dbus: exit %d %q %s", code, out, errs)
	}
	if _, errs, code := systemctl(t, s, "switch-root", "/sysroot"); code == 0 || !strings.Contains(errs, "Not in initrd, refusing switch-root operation.") {
		t.Errorf("systemctl switch-root: exit %d %s", code, errs)
	}
	if out := mustSystemctl(t, s, "is-system-running"); out != "running\n" {
		t.Errorf("after the refusals: %q", out)
	}
}

// Debian's `systemctl daemon-reexec` returns once the re-executed core serves (the private connection it called
// Reexecute on is kept across the exec and ends then, as systemd's), and a systemctl call right after it works.
func TestSystemctlDaemonReexec(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "web.service")
	pid := s.Show("web.service", "MainPID")
	for i := 1; i <= 2; i++ {
		mustSystemctl(t, s, "daemon-reexec")
		// At once, no retry: the new core answers.
		if out, errs, code := systemctl(t, s, "is-active", "web.service"); code != 0 || out != "active\n" {
			t.Fatalf("systemctl is-active right after daemon-reexec %d: exit %d %q %s", i, code, out, errs)
		}
		if !s.WaitFor(10*time.Second, func() bool {
			return strings.Count(s.Console(), "closed the D-Bus connections kept across the re-execution") == i
		}) {
			t.Fatalf("re-execution %d: the next image did not close the kept connections; console:\n%s", i, s.Console())
		}
	}
	if now := s.Show("web.service", "MainPID"); now != pid {
		t.Errorf("web.service's MainPID %s after the re-executions, was %s", now, pid)
	}
}
