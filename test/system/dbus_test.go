package system

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 18: systemd's D-Bus API. These tests drive sysmaster with clients written for systemd, unchanged:
// Debian's systemctl (on /run/systemd/private, as root uses it), busctl, gdbus and python3-dbus (on a real
// dbus-daemon's system bus, where sysmaster owns org.freedesktop.systemd1).

// inNS runs a host binary inside the system's namespaces as uid (0: root; else with setpriv's reuid/regid).
func inNS(t *testing.T, s *harness.System, uid int, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	ns := []string{"-t", strconv.Itoa(s.InitPid), "-m", "-p", "--"}
	if uid != 0 {
		ns = append(ns, "setpriv", "--reuid", strconv.Itoa(uid), "--regid", strconv.Itoa(uid), "--clear-groups", "--")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append(ns, argv...)...)
	// Clients find the system bus where a Debian machine has it, with no address given (none in the
	// environment either).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SYSTEM_BUS_ADDRESS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// systemctl runs Debian's systemctl in the system as root.
func systemctl(t *testing.T, s *harness.System, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return inNS(t, s, 0, append([]string{"/usr/bin/systemctl", "--no-pager"}, args...)...)
}

func mustSystemctl(t *testing.T, s *harness.System, args ...string) string {
	t.Helper()
	out, errs, code := systemctl(t, s, args...)
	if code != 0 {
		t.Fatalf("systemctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

const dbusTestUnits = `[Unit]
Description=Web server
[Service]
ExecStart=/bin/sleep 1000
[Install]
WantedBy=multi-user.target
`

// Debian's systemctl against sysmaster: list-units, status, start, stop, restart, is-active, show -p, enable,
// disable, daemon-reload and poweroff give what sctl gives.
func TestDebianSystemctl(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"web.service":  dbusTestUnits,
		"fail.service": "[Service]\nType=oneshot\nExecStart=/bin/false\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if got, err := s.ReadFile("/run/systemd/system"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("/run/systemd/system is not a directory: %q %v", got, err)
	}

	mustSystemctl(t, s, "start", "web.service")
	if st := s.Show("web.service", "ActiveState"); st != "active" {
		t.Fatalf("after systemctl start: %s", st)
	}
	if out := mustSystemctl(t, s, "is-active", "web.service"); out != "active\n" {
		t.Errorf("systemctl is-active: %q", out)
	}
	props := "Id,ActiveState,SubState,LoadState,MainPID,ExecMainPID,NRestarts,Description,FragmentPath,UnitFileState,CanStart"
	want, _, _ := s.Sctl("show", "-p", props, "web.service")
	got := mustSystemctl(t, s, "show", "-p", props, "web.service")
	if sortLines(got) != sortLines(want) {
		t.Errorf("systemctl show -p:\n%s\nsctl show -p:\n%s", got, want)
	}
	for _, p := range []string{"ActiveEnterTimestamp", "InactiveExitTimestampMonotonic"} {
		if g, w := mustSystemctl(t, s, "show", "-P", p, "web.service"), s.Show("web.service", p)+"\n"; g != w {
			t.Errorf("%s: systemctl %q, sctl %q", p, g, w)
		}
	}
	status := mustSystemctl(t, s, "status", "web.service")
	t.Logf("systemctl status:\n%s\nsystemctl show -p:\n%s", status, got)
	// The CGroup tree's process comes from GetUnitProcesses.
	if !strings.Contains(status, "Active: active (running)") || !strings.Contains(status, "Main PID: "+s.Show("web.service", "MainPID")) ||
		!strings.Contains(status, s.Show("web.service", "MainPID")+" /bin/sleep 1000") {
		t.Errorf("systemctl status:\n%s", status)
	}
	list := mustSystemctl(t, s, "list-units")
	if !strings.Contains(list, "web.service") || !strings.Contains(list, "multi-user.target") {
		t.Errorf("systemctl list-units:\n%s", list)
	}

	pid := s.Show("web.service", "MainPID")
	mustSystemctl(t, s, "restart", "web.service")
	if p := s.Show("web.service", "MainPID"); p == pid || s.Show("web.service", "ActiveState") != "active" {
		t.Errorf("after restart: MainPID %s (was %s), %s", p, pid, s.Show("web.service", "ActiveState"))
	}
	mustSystemctl(t, s, "stop", "web.service")
	if st := s.Show("web.service", "ActiveState"); st != "inactive" {
		t.Errorf("after systemctl stop: %s", st)
	}
	if out, _, code := systemctl(t, s, "is-active", "web.service"); out != "inactive\n" || code != 3 {
		t.Errorf("systemctl is-active of a stopped unit: %q exit %d", out, code)
	}

	// A failing start: systemctl's exit status and message, as with systemd.
	_, errs, code := systemctl(t, s, "start", "fail.service")
	if code != 1 || !strings.Contains(errs, "Job for fail.service failed") {
		t.Errorf("systemctl start fail.service: exit %d: %s", code, errs)
	}
	_, errs, code = systemctl(t, s, "start", "nothere.service")
	if code != 5 || !strings.Contains(errs, "Unit nothere.service not found.") {
		t.Errorf("systemctl start nothere.service: exit %d: %s", code, errs)
	}

	out, errs := mustSystemctl(t, s, "enable", "web.service"), ""
	if st, _, _ := s.Sctl("is-enabled", "web.service"); st != "enabled\n" {
		t.Errorf("after systemctl enable (%s%s): sctl is-enabled %q", out, errs, st)
	}
	mustSystemctl(t, s, "disable", "web.service")
	if st, _, _ := s.Sctl("is-enabled", "web.service"); st != "disabled\n" {
		t.Errorf("after systemctl disable: sctl is-enabled %q", st)
	}
	mustSystemctl(t, s, "daemon-reload")
	mustSystemctl(t, s, "set-default", "multi-user.target")
	if out := mustSystemctl(t, s, "get-default"); out != "multi-user.target\n" {
		t.Errorf("systemctl get-default after set-default: %q", out)
	}

	mustSystemctl(t, s, "poweroff")
	select {
	case <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatalf("systemctl poweroff: the system did not end; console:\n%s", s.Console())
	}
}

func sortLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// testBus is the address of the test's system bus (service_dbus_test.go's busConfig, which lets anyone own and
// call anything): Debian's, which the core and every client use when no address is given.
const testBus = "unix:path=/run/dbus/system_bus_socket"

// busUnits are a dbus-daemon run as in Debian (dbus.socket, dbus.service) on the test's socket.
var busUnits = map[string]string{
	"dbus.socket": "[Unit]\nDescription=D-Bus System Message Bus Socket\n[Socket]\nListenStream=/run/dbus/system_bus_socket\n",
	"dbus.service": "[Unit]\nRequires=dbus.socket\n[Service]\nType=notify\nNotifyAccess=main\n" +
		"ExecStart=/usr/bin/dbus-daemon --config-file=/etc/sysmaster/bus.conf --address=systemd: --nofork --nopidfile --systemd-activation\n",
	"web.service": dbusTestUnits,
}

// startBus boots a system with a system bus and waits until sysmaster owns org.freedesktop.systemd1 on it.
func startBus(t *testing.T) *harness.System {
	t.Helper()
	for _, p := range []string{"/usr/bin/dbus-daemon", "/usr/bin/busctl", "/usr/bin/gdbus", "/usr/lib/python3/dist-packages/dbus"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is needed (apt-get install dbus libglib2.0-bin python3-dbus): %v", p, err)
		}
	}
	s := harness.Start(t, harness.Options{Units: busUnits})
	s.WriteFile("bus.conf", busConfig)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "dbus.service", "web.service")
	waitBusName(t, s)
	return s
}

// waitBusName waits until org.freedesktop.systemd1 answers on the bus.
func waitBusName(t *testing.T, s *harness.System) {
	t.Helper()
	var errs string
	if !s.WaitFor(20*time.Second, func() bool {
		var code int
		_, errs, code = busctl(t, s, 0, "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.DBus.Peer", "Ping")
		return code == 0
	}) {
		t.Fatalf("org.freedesktop.systemd1 never answered on the bus: %s; console:\n%s", errs, s.Console())
	}
}

func busctl(t *testing.T, s *harness.System, uid int, args ...string) (string, string, int) {
	t.Helper()
	return inNS(t, s, uid, append([]string{"/usr/bin/busctl", "--system", "--no-pager"}, args...)...)
}

const managerObj = "/org/freedesktop/systemd1"
const managerIf = "org.freedesktop.systemd1.Manager"

// busctl, gdbus and python3-dbus introspect and call the API on a real dbus-daemon; the name comes back after the
// bus restarts; a caller other than root may read but not start.
func TestBusClients(t *testing.T) {
	t.Parallel()
	s := startBus(t)
	webPath := "/org/freedesktop/systemd1/unit/web_2eservice"

	out, errs, code := busctl(t, s, 0, "introspect", "org.freedesktop.systemd1", webPath)
	if code != 0 || !strings.Contains(out, "org.freedesktop.systemd1.Service") || !regexp.MustCompile(`\.ActiveState\s+property\s+s\s+"active"`).MatchString(out) ||
		!regexp.MustCompile(`\.MainPID\s+property\s+u\s+`+s.Show("web.service", "MainPID")).MatchString(out) {
		t.Errorf("busctl introspect %s: exit %d %s\n%s", webPath, code, errs, out)
	}
	if out, errs, code = busctl(t, s, 0, "call", "org.freedesktop.systemd1", managerObj, managerIf, "GetUnit", "s", "web.service"); code != 0 || out != "o \""+webPath+"\"\n" {
		t.Errorf("busctl call GetUnit: exit %d %q %s", code, out, errs)
	}
	if out, errs, code = busctl(t, s, 0, "get-property", "org.freedesktop.systemd1", managerObj, managerIf, "NNames"); code != 0 || !strings.HasPrefix(out, "u ") {
		t.Errorf("busctl get-property NNames: exit %d %q %s", code, out, errs)
	}

	// gdbus: introspection and a call.
	out, errs, code = inNS(t, s, 0, "/usr/bin/gdbus", "introspect", "--system", "--dest", "org.freedesktop.systemd1", "--object-path", managerObj)
	if code != 0 || !strings.Contains(out, "GetUnitByPID") || !strings.Contains(out, "node unit") {
		t.Errorf("gdbus introspect: exit %d %s\n%s", code, errs, out)
	}
	out, errs, code = inNS(t, s, 0, "/usr/bin/gdbus", "call", "--system", "--dest", "org.freedesktop.systemd1", "--object-path", webPath,
		"--method", "org.freedesktop.DBus.Properties.Get", "org.freedesktop.systemd1.Unit", "SubState")
	if code != 0 || out != "(<'running'>,)\n" {
		t.Errorf("gdbus call Get SubState: exit %d %q %s", code, out, errs)
	}

	// python3-dbus: the Manager's list and a unit's properties.
	py := `import dbus
bus = dbus.SystemBus()
m = dbus.Interface(bus.get_object('org.freedesktop.systemd1', '/org/freedesktop/systemd1'), 'org.freedesktop.systemd1.Manager')
names = [u[0] for u in m.ListUnits()]
p = bus.get_object('org.freedesktop.systemd1', m.GetUnit('web.service'))
props = p.GetAll('org.freedesktop.systemd1.Service', dbus_interface='org.freedesktop.DBus.Properties')
print('web.service' in names, int(props['MainPID']), str(p.Get('org.freedesktop.systemd1.Unit', 'ActiveState', dbus_interface='org.freedesktop.DBus.Properties')))
`
	out, errs, code = inNS(t, s, 0, "/usr/bin/python3", "-c", py)
	if want := "True " + s.Show("web.service", "MainPID") + " active\n"; code != 0 || out != want {
		t.Errorf("python3-dbus: exit %d %q, want %q; %s", code, out, want, errs)
	}

	// An unprivileged caller reads but may not start or stop.
	if out, errs, code = busctl(t, s, 65534, "call", "org.freedesktop.systemd1", managerObj, managerIf, "GetUnit", "s", "web.service"); code != 0 {
		t.Errorf("GetUnit as uid 65534: exit %d %q %s", code, out, errs)
	}
	for _, method := range []string{"StartUnit", "StopUnit"} {
		_, errs, code = busctl(t, s, 65534, "call", "org.freedesktop.systemd1", managerObj, managerIf, method, "ss", "web.service", "replace")
		if code == 0 || !strings.Contains(errs, "Access denied") {
			t.Errorf("%s as uid 65534: exit %d %s", method, code, errs)
		}
	}
	if st := s.Show("web.service", "ActiveState"); st != "active" {
		t.Errorf("web.service %s after refused calls", st)
	}
	// Debian's systemctl as a user goes through the bus.
	if out, errs, code = inNS(t, s, 65534, "/usr/bin/systemctl", "--no-pager", "is-active", "web.service"); code != 0 || out != "active\n" {
		t.Errorf("systemctl is-active as uid 65534 (bus): exit %d %q %s", code, out, errs)
	}
	if _, errs, code = inNS(t, s, 65534, "/usr/bin/systemctl", "--no-pager", "--no-ask-password", "stop", "web.service"); code == 0 || !strings.Contains(errs, "Access denied") {
		t.Errorf("systemctl stop as uid 65534 (bus): exit %d %s", code, errs)
	}

	// Root starts and stops through the bus too.
	if _, errs, code = busctl(t, s, 0, "call", "org.freedesktop.systemd1", managerObj, managerIf, "StopUnit", "ss", "web.service", "replace"); code != 0 {
		t.Errorf("StopUnit as root: exit %d %s", code, errs)
	}
	s.WaitActive("web.service", "inactive", 10*time.Second)

	// Signals on the bus go to subscribers: JobRemoved of a start made with sctl.
	bc, err := dbus.Dial(fmt.Sprintf("unix:path=/proc/%d/root/run/dbus/system_bus_socket", s.InitPid))
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	if err := bc.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := bc.Hello(); err != nil {
		t.Fatal(err)
	}
	if err := bc.AddMatchSignal(dbus.WithMatchInterface(managerIf), dbus.WithMatchMember("JobRemoved")); err != nil {
		t.Fatal(err)
	}
	jobs := make(chan *dbus.Signal, 10)
	bc.Signal(jobs)
	if err := bc.Object("org.freedesktop.systemd1", managerObj).Call(managerIf+".Subscribe", 0).Err; err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	mustSctl(t, s, "start", "web.service")
	select {
	case sig := <-jobs:
		if len(sig.Body) != 4 || sig.Body[2] != "web.service" || sig.Body[3] != "done" {
			t.Errorf("JobRemoved on the bus: %v", sig.Body)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("no JobRemoved on the bus for a subscriber")
	}

	// The bus restarts: sysmaster owns its name again.
	mustSctl(t, s, "restart", "dbus.service")
	waitBusName(t, s)
	// So does a re-executed core (another connection: another unique name), which serves the private socket
	// again too.
	owner := func() string {
		out, _, _ := busctl(t, s, 0, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", "s", "org.freedesktop.systemd1")
		return out
	}
	before := owner()
	mustSctl(t, s, "daemon-reexec")
	if !s.WaitFor(20*time.Second, func() bool { o := owner(); return o != before && strings.HasPrefix(o, "s \":") }) {
		t.Fatalf("org.freedesktop.systemd1 not owned again after daemon-reexec (owner before: %q, now %q)", before, owner())
	}
	waitBusName(t, s)
	if out, errs, code := systemctl(t, s, "is-active", "dbus.service"); code != 0 || out != "active\n" {
		t.Errorf("systemctl is-active after daemon-reexec: exit %d %q %s", code, out, errs)
	}
}

// Bad input: malformed arguments get systemd's error names; methods sysmaster does not implement answer
// NotSupported.
func TestBusErrors(t *testing.T) {
	t.Parallel()
	s := startBus(t)
	// python3-dbus names the error a call gets.
	const py = `import dbus, sys
m = dbus.Interface(dbus.SystemBus().get_object('org.freedesktop.systemd1', '/org/freedesktop/systemd1'), 'org.freedesktop.systemd1.Manager')
try:
    eval(sys.argv[1])
    print('no error')
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name())
`
	for _, c := range []struct{ call, want string }{
		{"m.GetUnit('nothere.service')", "org.freedesktop.systemd1.NoSuchUnit"},
		{"m.GetUnit('not a unit')", "org.freedesktop.DBus.Error.InvalidArgs"},
		{"m.GetUnit(dbus.UInt32(5), signature='u')", "org.freedesktop.DBus.Error.InvalidArgs"},
		{"m.GetUnit(signature='')", "org.freedesktop.DBus.Error.InvalidArgs"},
		{"m.StartUnit('web.service', 'sideways')", "org.freedesktop.DBus.Error.InvalidArgs"},
		{"m.StartUnit('nothere.service', 'replace')", "org.freedesktop.systemd1.NoSuchUnit"},
		{"m.GetJob(dbus.UInt32(4242))", "org.freedesktop.systemd1.NoSuchJob"},
		{"m.KillUnit('web.service', 'nobody', 15)", "org.freedesktop.DBus.Error.InvalidArgs"},
		{"m.Dump()", "org.freedesktop.DBus.Error.NotSupported"},
		{"m.KExec()", "org.freedesktop.DBus.Error.Failed"}, // no kernel loaded with kexec --load
		{"m.NoSuchMethod()", "org.freedesktop.DBus.Error.UnknownMethod"},
		{"m.GetUnit('web.service')", "no error"},
	} {
		out, errs, code := inNS(t, s, 0, "/usr/bin/python3", "-c", py, c.call)
		if code != 0 || strings.TrimSpace(out) != c.want {
			t.Errorf("%s: %q (exit %d %s), want %s", c.call, out, code, errs, c.want)
		}
	}
	// The unit objects' path check: a path that does not name a unit.
	_, errs, code := busctl(t, s, 0, "get-property", "org.freedesktop.systemd1", "/org/freedesktop/systemd1/unit/x_zz", "org.freedesktop.systemd1.Unit", "Id")
	if code == 0 || !strings.Contains(errs, "Unknown object") {
		t.Errorf("a malformed unit path: exit %d %s", code, errs)
	}
}

// encodeCall is a method call of the Manager on the wire, with serial.
func encodeCall(t *testing.T, serial uint32, member string, args ...any) []byte {
	t.Helper()
	msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath(managerObj)),
		dbus.FieldInterface:   dbus.MakeVariant(managerIf),
		dbus.FieldMember:      dbus.MakeVariant(member),
		dbus.FieldDestination: dbus.MakeVariant("org.freedesktop.systemd1"),
	}, Body: args}
	if len(args) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(args...))
	}
	var b bytes.Buffer
	if err := msg.EncodeTo(&b, binary.LittleEndian); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[8:12], serial)
	return out
}

// Bad input: a client on the private socket that floods calls and never reads its replies is dropped (and
// logged) while sctl and systemctl go on answering at once; one that floods and reads gets every answer (its
// calls wait in its socket while its queue is full).
func TestPrivateFlood(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "web.service")
	sock := fmt.Sprintf("/proc/%d/root/run/systemd/private", s.InitPid)

	// The client that never reads.
	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("\x00AUTH EXTERNAL " + hex.EncodeToString([]byte("0")) + "\r\nBEGIN\r\n")); err != nil {
		t.Fatal(err)
	}
	flooded := make(chan int, 1)
	go func() {
		n := 0
		for ; n < 200000; n++ {
			if _, err := nc.Write(encodeCall(t, uint32(n+1), "GetUnit", "web.service")); err != nil {
				break // dropped
			}
		}
		flooded <- n
	}()
	// Meanwhile the loop answers others at once.
	for i := 0; i < 5; i++ {
		start := time.Now()
		if out, _, code := s.Sctl("is-active", "web.service"); code != 0 || out != "active\n" {
			t.Errorf("sctl is-active during the flood: %q exit %d", out, code)
		}
		if out, _, code := systemctl(t, s, "is-active", "web.service"); code != 0 || out != "active\n" {
			t.Errorf("systemctl is-active during the flood: %q exit %d", out, code)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("sctl and systemctl took %v during the flood", d)
		}
	}
	select {
	case n := <-flooded:
		t.Logf("the client that does not read was dropped after %d calls", n)
	case <-time.After(60 * time.Second):
		t.Fatalf("the client that does not read was never dropped")
	}
	if !s.WaitFor(10*time.Second, func() bool {
		return strings.Contains(s.Console(), "D-Bus client does not read what it is sent: dropped")
	}) {
		t.Errorf("no log line about the dropped client; console:\n%s", s.Console())
	}

	// The client that floods and reads: every call is answered.
	c, err := dbus.Dial("unix:path=" + sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(nil); err != nil {
		t.Fatal(err)
	}
	obj := c.Object("org.freedesktop.systemd1", managerObj)
	calls := make([]*dbus.Call, 2000)
	for i := range calls {
		calls[i] = obj.Go(managerIf+".GetUnit", 0, make(chan *dbus.Call, 1), "web.service")
	}
	for i, call := range calls {
		select {
		case <-call.Done:
		case <-time.After(30 * time.Second):
			t.Fatalf("call %d of the flood was never answered", i)
		}
		var path dbus.ObjectPath
		if err := call.Store(&path); err != nil || path != "/org/freedesktop/systemd1/unit/web_2eservice" {
			t.Fatalf("call %d of the flood: %q %v", i, path, err)
		}
	}
}

// The signals on the private socket, where systemd sends every signal to every connection: JobNew, the unit's
// PropertiesChanged, JobRemoved for a start; UnitFilesChanged for an enable; Reloading around a daemon-reload.
func TestPrivateSignals(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	c, err := dbus.Dial(fmt.Sprintf("unix:path=/proc/%d/root/run/systemd/private", s.InitPid))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(nil); err != nil {
		t.Fatal(err)
	}
	signals := make(chan *dbus.Signal, 100)
	c.Signal(signals)
	obj := c.Object("org.freedesktop.systemd1", managerObj)
	// wait returns the body of the next signal named member (from path), skipping others.
	wait := func(path dbus.ObjectPath, member string) []any {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case sig := <-signals:
				if sig.Path == path && strings.HasSuffix(sig.Name, "."+member) {
					return sig.Body
				}
			case <-timeout:
				t.Fatalf("no %s signal from %s", member, path)
			}
		}
	}
	var job dbus.ObjectPath
	if err := obj.Call(managerIf+".StartUnit", 0, "web.service", "replace").Store(&job); err != nil {
		t.Fatal(err)
	}
	// JobNew, then the unit's PropertiesChanged to active and JobRemoved, in either order.
	if b := wait(managerObj, "JobNew"); b[1] != job || b[2] != "web.service" {
		t.Errorf("JobNew %v, want job %s", b, job)
	}
	webPath := dbus.ObjectPath("/org/freedesktop/systemd1/unit/web_2eservice")
	active, removed := false, false
	for timeout := time.After(20 * time.Second); !active || !removed; {
		select {
		case sig := <-signals:
			switch {
			case sig.Path == webPath && sig.Name == "org.freedesktop.DBus.Properties.PropertiesChanged":
				changed := sig.Body[1].(map[string]dbus.Variant)
				active = active || sig.Body[0] == "org.freedesktop.systemd1.Unit" && changed["ActiveState"].Value() == "active"
			case sig.Name == managerIf+".JobRemoved":
				if b := sig.Body; b[1] != job || b[2] != "web.service" || b[3] != "done" {
					t.Errorf("JobRemoved %v, want job %s done", b, job)
				}
				removed = true
			}
		case <-timeout:
			t.Fatalf("signals of the start: active %v, JobRemoved %v", active, removed)
		}
	}
	if err := obj.Call(managerIf+".EnableUnitFiles", 0, []string{"web.service"}, false, false).Err; err != nil {
		t.Fatal(err)
	}
	wait(managerObj, "UnitFilesChanged")
	if err := obj.Call(managerIf+".Reload", 0).Err; err != nil {
		t.Fatal(err)
	}
	if b := wait(managerObj, "Reloading"); b[0] != true {
		t.Errorf("Reloading %v first", b)
	}
	if b := wait(managerObj, "Reloading"); b[0] != false {
		t.Errorf("Reloading %v after", b)
	}
}
