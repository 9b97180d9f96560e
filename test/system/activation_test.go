package system

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// activationBus is a system bus with systemd activation from the services directory /etc/sysmaster/bus-services.
const activationBus = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <servicedir>/etc/sysmaster/bus-services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`

// Issue 18, item 6: dbus-daemon's activation through units. A call to a name nobody owns whose activation file
// says SystemdService=act.service makes dbus-daemon send ActivationRequest to sysmaster, which starts the unit;
// the service takes the name and the call is answered. A name whose unit does not exist fails at once with the
// error sysmaster sends back (ActivationFailure), not after dbus-daemon's activation timeout.
func TestDBusActivation(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"dbus.socket": "[Socket]\nListenStream=/run/dbus/system_bus_socket\n",
		"dbus.service": "[Unit]\nRequires=dbus.socket\n[Service]\nType=notify\nNotifyAccess=main\n" +
			"ExecStart=/usr/bin/dbus-daemon --config-file=/etc/sysmaster/bus.conf --address=systemd: --nofork --nopidfile --systemd-activation\n",
		"act.service": "[Service]\nType=dbus\nBusName=org.sysmaster.Act\nExecStart=/etc/sysmaster/busname org.sysmaster.Act 0s\n",
	}})
	s.WriteFile("bus.conf", activationBus)
	s.WriteFile("bus-services/org.sysmaster.Act.service",
		"[D-BUS Service]\nName=org.sysmaster.Act\nExec=/bin/false\nUser=root\nSystemdService=act.service\n")
	s.WriteFile("bus-services/org.sysmaster.Missing.service",
		"[D-BUS Service]\nName=org.sysmaster.Missing\nExec=/bin/false\nUser=root\nSystemdService=missing.service\n")
	bin := harness.BuildPlugin(t, "test/system/testdata/busname", t.TempDir())
	copyExecutable(t, bin, filepath.Join(s.Etc, "busname"))
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "dbus.service") // the core connects once dbus.service is up, as systemd does

	busctl := func(args ...string) (string, string, int) {
		return inNS(t, s, 0, append([]string{"/usr/bin/busctl", "--system"}, args...)...)
	}
	var owner string
	if !s.WaitFor(20*time.Second, func() bool {
		out, errs, code := busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			"GetNameOwner", "s", "org.freedesktop.systemd1")
		owner = out + errs
		return code == 0
	}) {
		st, _, _ := s.Sctl("status", "dbus.service")
		t.Fatalf("sysmaster never owned org.freedesktop.systemd1 on the bus (%s):\n%s\nconsole:\n%s", owner, st, s.Console())
	}
	if st := s.Show("act.service", "ActiveState"); st != "inactive" {
		t.Fatalf("act.service is %s before any activation", st)
	}
	out, errs, code := busctl("call", "org.sysmaster.Act", "/", "org.freedesktop.DBus.Peer", "Ping")
	if code != 0 {
		st, _, _ := s.Sctl("status", "act.service")
		t.Fatalf("call to the activatable name: exit %d %s%s\n%s", code, out, errs, st)
	}
	// The name answered the call: the service owns it, and the core sees that (Type=dbus) from the bus's
	// NameOwnerChanged, which may reach it after the caller's answer.
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("act.service", "ActiveState") == "active" }) {
		t.Errorf("act.service is %s after its activation", s.Show("act.service", "ActiveState"))
	}

	start := time.Now()
	_, errs, code = busctl("call", "org.sysmaster.Missing", "/", "org.freedesktop.DBus.Peer", "Ping")
	if code == 0 || !strings.Contains(errs, "missing.service") {
		t.Errorf("activation of a name whose unit does not exist: exit %d: %s", code, errs)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the failed activation took %v: ActivationFailure did not reach dbus-daemon", d)
	}
}
