package system

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// busConfig is a system bus that lets anyone own and call anything: the test's services run as root, which
// Debian's system.conf does not let own arbitrary names.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`

// Issue 15, Type=dbus: a real dbus-daemon, socket-activated in the test's namespace on its own socket
// (DBUS_SYSTEM_BUS_ADDRESS), and services that take a name on it. A Type=dbus service is activating until its
// BusName= has an owner, then active; it is stopped, result success, when it lets the name go, also after the
// service plugin was killed in between (the core holds the watch); after dbus.service restarted the core watches
// again (a start completes when the name is taken, a drop stops the service); one that never takes its name
// fails at TimeoutStartSec=.
func TestTypeDBus(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/bin/dbus-daemon"); err != nil {
		t.Fatalf("dbus-daemon is needed (apt-get install dbus): %v", err)
	}
	const addr = testBus
	units := map[string]string{
		"dbus.socket": "[Unit]\nDescription=D-Bus System Message Bus Socket\n[Socket]\nListenStream=/run/dbus/system_bus_socket\n",
		"dbus.service": "[Unit]\nRequires=dbus.socket\n[Service]\nType=notify\nNotifyAccess=main\n" +
			"ExecStart=/usr/bin/dbus-daemon --config-file=/etc/sysmaster/bus.conf --address=systemd: --nofork --nopidfile --systemd-activation\n",
		"slow.service": "[Service]\nType=dbus\nBusName=org.sysmaster.Slow\nEnvironment=DBUS_SYSTEM_BUS_ADDRESS=" + addr +
			"\nExecStart=/etc/sysmaster/busname org.sysmaster.Slow 1s\n",
		"never.service": "[Service]\nType=dbus\nBusName=org.sysmaster.Never\nTimeoutStartSec=2\nEnvironment=DBUS_SYSTEM_BUS_ADDRESS=" + addr +
			"\nExecStart=/etc/sysmaster/busname org.sysmaster.Never 1h\n",
	}
	s := harness.Start(t, harness.Options{Units: units, Env: []string{"DBUS_SYSTEM_BUS_ADDRESS=" + addr}})
	s.WriteFile("bus.conf", busConfig)
	bin := harness.BuildPlugin(t, "test/system/testdata/busname", t.TempDir())
	copyExecutable(t, bin, filepath.Join(s.Etc, "busname"))
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	// Type=dbus pulls in dbus.socket (Requires= and After=), as systemd's does.
	if out := s.Show("slow.service", "Requires"); !strings.Contains(out, "dbus.socket") {
		t.Errorf("slow.service Requires=%q", out)
	}
	mustSctl(t, s, "start", "--no-block", "slow.service")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("slow.service", "SubState") == "start" }) {
		t.Fatalf("slow.service never activating/start: %s", s.Show("slow.service", "SubState"))
	}
	if st := s.Show("slow.service", "ActiveState"); st != "activating" && st != "active" {
		t.Errorf("slow.service is %s before its name", st)
	}
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("slow.service", "SubState") == "running" }) {
		out, _, _ := s.Sctl("status", "slow.service", "dbus.service", "dbus.socket")
		t.Fatalf("slow.service never running:\n%s", out)
	}
	if !s.WaitFor(10*time.Second, func() bool {
		out, _, _ := s.Sctl("logs", "slow.service")
		return strings.Contains(out, "owned org.sysmaster.Slow")
	}) {
		t.Errorf("slow.service is running but its log has no 'owned'")
	}

	// Kill the service plugin: the core holds the bus watch, and the next event launches a new plugin.
	if p := pluginPid(s, "service"); p > 0 {
		if err := syscall.Kill(hostPid(t, s, p), syscall.SIGKILL); err != nil {
			t.Fatalf("kill the service plugin: %v", err)
		}
	} else {
		t.Fatalf("no service plugin runs")
	}
	if st := s.Show("slow.service", "SubState"); st != "running" {
		t.Fatalf("slow.service %s after the plugin crash", st)
	}
	// The service lets its name go: it is stopped, result success.
	mustSctl(t, s, "kill", "-s", "USR1", "--kill-whom=main", "slow.service")
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("slow.service", "ActiveState") == "inactive" }) {
		out, _, _ := s.Sctl("status", "slow.service")
		t.Fatalf("slow.service not stopped when its name went away:\n%s", out)
	}
	if r := s.Show("slow.service", "Result"); r != "success" {
		t.Errorf("slow.service Result=%s after its name went away", r)
	}
	if out, _, _ := s.Sctl("logs", "slow.service"); !strings.Contains(out, "D-Bus name org.sysmaster.Slow now not owned by anyone.") || !strings.Contains(out, "released") {
		t.Errorf("slow.service log:\n%s", out)
	}

	// The bus restarts: the core connects again and the watch goes on, on the new bus.
	busPid := s.Show("dbus.service", "MainPID")
	mustSctl(t, s, "restart", "dbus.service")
	if !s.WaitFor(10*time.Second, func() bool { p := s.Show("dbus.service", "MainPID"); return p != busPid && p != "0" }) {
		t.Fatalf("dbus.service did not restart")
	}
	mustSctl(t, s, "start", "slow.service")
	if st := s.Show("slow.service", "SubState"); st != "running" {
		t.Fatalf("slow.service %s after a start on the restarted bus", st)
	}
	mustSctl(t, s, "kill", "-s", "USR1", "--kill-whom=main", "slow.service")
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("slow.service", "ActiveState") == "inactive" }) {
		out, _, _ := s.Sctl("status", "slow.service")
		t.Fatalf("slow.service not stopped when its name went away on the restarted bus:\n%s", out)
	}

	// A service that never takes its name fails at TimeoutStartSec=.
	if _, _, code := s.Sctl("start", "never.service"); code != 1 {
		t.Errorf("start never.service: exit %d", code)
	}
	if st, r := s.Show("never.service", "ActiveState"), s.Show("never.service", "Result"); st != "failed" || r != "timeout" {
		t.Errorf("never.service %s, Result=%s", st, r)
	}
}

// Issue 15: polkit's Debian unit (Type=dbus, BusName=org.freedesktop.PolicyKit1) loads and runs, against Debian's
// own dbus.socket and dbus.service (the system bus with Debian's policy, in the test's /run), all three files
// unchanged.
func TestDebianPolkit(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/usr/bin/dbus-daemon", "/usr/lib/polkit-1/polkitd"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is needed (apt-get install dbus polkitd): %v", p, err)
		}
	}
	units := map[string]string{}
	for _, name := range []string{"dbus.socket", "dbus.service", "polkit.service"} {
		units[name] = debianUnit(t, name)
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if st := s.Show("polkit.service", "LoadState"); st != "loaded" {
		t.Fatalf("polkit.service is %s: %s", st, s.Show("polkit.service", "LoadError"))
	}
	if _, errs, code := s.Sctl("start", "polkit.service"); code != 0 {
		out, _, _ := s.Sctl("status", "polkit.service", "dbus.service")
		t.Fatalf("start polkit.service: exit %d %s\n%s", code, errs, out)
	}
	if st := s.Show("polkit.service", "SubState"); st != "running" {
		t.Errorf("polkit.service %s", st)
	}
	mustSctl(t, s, "stop", "polkit.service")
	if st := s.Show("polkit.service", "ActiveState"); st != "inactive" {
		t.Errorf("polkit.service %s after stop", st)
	}
}

// Issue 15: PackageKit's Debian units load without a bad setting, and packagekit.service (Type=dbus,
// BusName=org.freedesktop.PackageKit) runs under sysmaster against Debian's own dbus.socket, dbus.service and
// polkit.service (D-Bus activated by packagekitd): active once packagekitd owns its name, which then answers on
// the bus. packagekit-offline-update.service is only
// loaded (FailureAction=reboot, and it would update the system).
func TestDebianPackageKit(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/usr/bin/dbus-daemon", "/usr/bin/dbus-send", "/usr/libexec/packagekitd", "/usr/lib/polkit-1/polkitd"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is needed (apt-get install dbus packagekit polkitd): %v", p, err)
		}
	}
	// packagekitd asks polkit for its authority at start: polkit.service comes up by D-Bus activation.
	units := map[string]string{}
	for _, name := range []string{"dbus.socket", "dbus.service", "polkit.service", "packagekit.service", "packagekit-offline-update.service"} {
		units[name] = debianUnit(t, name)
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, name := range []string{"packagekit.service", "packagekit-offline-update.service"} {
		if st := s.Show(name, "LoadState"); st != "loaded" {
			t.Errorf("%s is %s: %s", name, st, s.Show(name, "LoadError"))
		}
	}
	if _, errs, code := s.Sctl("start", "packagekit.service"); code != 0 {
		out, _, _ := s.Sctl("status", "packagekit.service", "dbus.service")
		t.Fatalf("start packagekit.service: exit %d %s\n%s", code, errs, out)
	}
	if st := s.Show("packagekit.service", "SubState"); st != "running" {
		out, _, _ := s.Sctl("status", "-n", "40", "packagekit.service")
		t.Fatalf("packagekit.service %s:\n%s", st, out)
	}
	out, errs, code := inNS(t, s, 0, "/usr/bin/dbus-send", "--bus=unix:path=/run/dbus/system_bus_socket", "--print-reply",
		"--dest=org.freedesktop.PackageKit", "/org/freedesktop/PackageKit", "org.freedesktop.DBus.Properties.Get",
		"string:org.freedesktop.PackageKit", "string:VersionMajor")
	if code != 0 || !strings.Contains(out, "uint32 1") {
		t.Errorf("PackageKit's VersionMajor: exit %d %s%s", code, out, errs)
	}
	mustSctl(t, s, "stop", "packagekit.service")
	if st := s.Show("packagekit.service", "ActiveState"); st != "inactive" {
		t.Errorf("packagekit.service %s after stop", st)
	}
}
