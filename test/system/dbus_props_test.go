package system

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 18's unit properties: the ones systemd serves as structures (Exec*, Conditions, Asserts, Listen,
// TimersMonotonic, TimersCalendar, Paths) and every other property systemd 252's interfaces declare.

// propsUnits run the same way on sysmaster and on systemd 252.
var propsUnits = map[string]string{
	"p.service": "[Unit]\nConditionPathExists=/etc\nConditionPathExists=|!/nothere\nAssertPathExists=/\n" +
		"[Service]\nExecStartPre=-/bin/true a 'b c'\nExecStart=/bin/sleep 1000\nExecStop=+/bin/true\n",
	"o.service":     "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 3'\nExecStart=@/bin/sleep sl 0\n",
	"p.socket":      "[Socket]\nListenStream=/run/p.sock\nListenDatagram=/run/p.dgram\nService=o.service\n",
	"p.timer":       "[Timer]\nOnActiveSec=1h\nOnCalendar=daily\nUnit=o.service\n",
	"p.path":        "[Path]\nPathExists=/run/x\nPathChanged=/run/y z\nUnit=o.service\n",
	"p.swap":        "[Swap]\nWhat=/nonexistent-swapfile\n",
	"mnt.mount":     "[Mount]\nWhat=tmpfs\nWhere=/mnt\nType=tmpfs\n",
	"mnt.automount": "[Automount]\nWhere=/mnt\n",
	"b.target":      "[Unit]\nWants=p.service o.service p.socket p.timer p.path\n",
}

// structuredProps are the properties compared, as Debian's systemctl prints them.
const structuredProps = "ExecStartPre,ExecStartPreEx,ExecStart,ExecStartEx,ExecStop,ExecStopEx,Conditions,Asserts,Listen," +
	"TimersMonotonic,TimersCalendar,Paths,ExecStartPost"

// normalizeShow blanks what differs between two runs: times, pids, a monotonic timer's next elapse.
var showVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`_time=\[[^]]*[0-9][^]]*\]`), "_time=[T]"},
	{regexp.MustCompile(`pid=[1-9][0-9]*`), "pid=P"},
	{regexp.MustCompile(`next_elapse=[^}]*}`), "next_elapse=N }"},
}

func normalizeShow(s string) string {
	for _, v := range showVolatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// Debian's unchanged systemctl show -p ExecStart,Conditions,Listen,… prints the same for sysmaster as for systemd
// 252 running the same units: the commands with their last run (a oneshot's failed first command, its second
// never run, a running main process), the checks, the sockets' addresses, the timers and the watched paths.
func TestDBusStructuredPropsVsSystemd(t *testing.T) {
	t.Parallel()
	if !harness.HaveSystemd() {
		t.Fatalf("systemd is needed: %s", harness.SystemdBinary)
	}
	sd := harness.StartSystemd(t, propsUnits, "b.target")
	s := harness.Start(t, harness.Options{Units: propsUnits, Args: []string{"sysmaster.unit=b.target"}})
	s.WaitActive("p.service", "active", 20*time.Second)
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("o.service", "Result") == "exit-code" }) {
		t.Fatalf("o.service: %s", s.Show("o.service", "Result"))
	}
	deadline := time.Now().Add(20 * time.Second)
	for !sdActive(sd, "p.service") || !strings.Contains(must(sd.Ctl("show", "-p", "Result", "o.service")), "exit-code") {
		if time.Now().After(deadline) {
			t.Fatalf("systemd did not run the units: %s", sd.Console())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, unit := range []string{"p.service", "o.service", "p.socket", "p.timer", "p.path"} {
		// In the order of the lines of each property: systemctl prints the properties in the order GetAll gives
		// them, systemd's vtable order, godbus's dictionaries in Go's map order (docs/dbus.md).
		want := sortedProps(normalizeShow(must(sd.Ctl("show", "-p", structuredProps, unit))))
		got := sortedProps(normalizeShow(mustSystemctl(t, s, "show", "-p", structuredProps, unit)))
		if got != want {
			t.Errorf("systemctl show -p … %s:\nsysmaster:\n%s\nsystemd 252:\n%s", unit, got, want)
		}
		// sctl show prints the same lines (one source for both).
		if sc, _, _ := s.Sctl("show", "-p", structuredProps, unit); sortedProps(normalizeShow(sc)) != want {
			t.Errorf("sctl show -p … %s:\n%s\nsystemd 252:\n%s", unit, sc, want)
		}
	}
}

// sortedProps orders systemctl show's lines by property, keeping the order of each property's own lines.
func sortedProps(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.SliceStable(lines, func(i, j int) bool {
		a, _, _ := strings.Cut(lines[i], "=")
		b, _, _ := strings.Cut(lines[j], "=")
		return a < b
	})
	return strings.Join(lines, "\n")
}

func must(out, _ string, _ int) string { return out }

// Every property systemd 252's interfaces.xml declares for a unit's interfaces answers Get on sysmaster, with a
// value of the declared type, for a unit of each type: what sysmaster computes, or systemd's value for an unset
// property (host/dbusapi/defaults.txt). The list of those that do not is empty.
func TestDBusEveryPropertyAnswers(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: propsUnits})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	c, err := dbus.Dial(fmt.Sprintf("unix:path=/proc/%d/root/run/systemd/private", s.InitPid))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(nil); err != nil {
		t.Fatal(err)
	}
	mgr := c.Object("org.freedesktop.systemd1", managerObj)
	var xml string
	units := map[string]string{"p.service": "Service", "p.socket": "Socket", "multi-user.target": "Target",
		"mnt.mount": "Mount", "p.timer": "Timer", "p.path": "Path", "system.slice": "Slice", "x.scope": "Scope",
		"dev-null.device": "Device", "p.swap": "Swap", "mnt.automount": "Automount"}
	var unanswered []string
	checked := 0
	for _, name := range sortedNames(units) {
		var path dbus.ObjectPath
		if err := mgr.Call(managerIf+".LoadUnit", 0, name).Store(&path); err != nil {
			t.Fatalf("LoadUnit %s: %v", name, err)
		}
		obj := c.Object("org.freedesktop.systemd1", path)
		if err := obj.Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&xml); err != nil {
			t.Fatal(err)
		}
		for _, iface := range []string{"org.freedesktop.systemd1.Unit", "org.freedesktop.systemd1." + units[name]} {
			props := declaredProps(t, xml, iface)
			if strings.HasSuffix(iface, ".Unit") && len(props) < 90 {
				t.Fatalf("%s: %d properties in %s's introspection", name, len(props), iface)
			}
			var all map[string]dbus.Variant
			if err := obj.Call("org.freedesktop.DBus.Properties.GetAll", 0, iface).Store(&all); err != nil {
				t.Fatalf("GetAll %s %s: %v", name, iface, err)
			}
			for prop, sig := range props {
				checked++
				v, err := obj.GetProperty(iface + "." + prop)
				switch {
				case err != nil:
					unanswered = append(unanswered, fmt.Sprintf("%s %s.%s: %v", name, iface, prop, err))
				case v.Signature().String() != sig && !structSig(sig):
					unanswered = append(unanswered, fmt.Sprintf("%s %s.%s: type %s, declared %s", name, iface, prop, v.Signature(), sig))
				case !inAll(all, prop):
					unanswered = append(unanswered, fmt.Sprintf("%s %s.%s: not in GetAll", name, iface, prop))
				}
			}
		}
	}
	sort.Strings(unanswered)
	if len(unanswered) > 0 || checked < 1500 {
		t.Errorf("%d of %d properties do not answer:\n%s", len(unanswered), checked, strings.Join(unanswered, "\n"))
	}
}

func inAll(all map[string]dbus.Variant, prop string) bool { _, ok := all[prop]; return ok }

// structSig reports a signature holding a structure, which godbus reads back as a list of variants (it cannot
// tell the declared type from the value).
func structSig(sig string) bool { return strings.Contains(sig, "(") }

var propRe = regexp.MustCompile(`<property name="([A-Za-z0-9]+)" type="([^"]+)"`)

// declaredProps are the properties of iface in introspection data, with their types.
func declaredProps(t *testing.T, xml, iface string) map[string]string {
	start := strings.Index(xml, `<interface name="`+iface+`">`)
	if start < 0 {
		t.Fatalf("no interface %s in the introspection", iface)
	}
	body := xml[start:]
	body = body[:strings.Index(body, "</interface>")]
	out := map[string]string{}
	for _, m := range propRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// propsSubscriber is a python3-dbus client on the private socket that prints each PropertiesChanged it receives
// as a JSON line (after "ready").
const propsSubscriber = `
import dbus, dbus.connection, json
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib
DBusGMainLoop(set_as_default=True)
c = dbus.connection.Connection("unix:path=/run/systemd/private")
def changed(iface, values, invalidated, path=None):
    print(json.dumps({"path": str(path), "iface": str(iface), "changed": {str(k): str(v) for k, v in values.items()},
                      "invalidated": [str(x) for x in invalidated]}), flush=True)
c.add_signal_receiver(changed, signal_name="PropertiesChanged", dbus_interface="org.freedesktop.DBus.Properties", path_keyword="path")
print("ready", flush=True)
GLib.MainLoop().run()
`

type propsChange struct {
	Path, Iface string
	Changed     map[string]string
	Invalidated []string
}

// PropertiesChanged, as a real subscriber (python3-dbus) sees it, carries every property of the Unit and the type
// interface whose EmitsChangedSignal is true (with its value) or invalidates (by name), and none that is const:
// a service's MainPID and SubState when it runs, its Result, SubState and ExecMainStatus after it exits; one
// signal per interface per change.
func TestDBusPropertiesChanged(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"w.service": "[Service]\nExecStart=/bin/sh -c 'read x < /run/w.fifo; exit 7'\n",
	}})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	if _, errs, code := inNS(t, s, 0, "/usr/bin/mkfifo", "/run/w.fifo"); code != 0 {
		t.Fatal(errs)
	}
	cmd := exec.Command("nsenter", "-t", strconv.Itoa(s.InitPid), "-m", "-p", "--", "/usr/bin/python3", "-c", propsSubscriber)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // python runs as nsenter's child: both go with the group
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// next returns the next change of w.service's object in iface that satisfies ok.
	const wPath = "/org/freedesktop/systemd1/unit/w_2eservice"
	next := func(what, iface string, ok func(propsChange) bool) propsChange {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, open := <-lines:
				if !open {
					t.Fatalf("the subscriber ended before %s: %s", what, stderr.String())
				}
				var c propsChange
				if json.Unmarshal([]byte(l), &c) != nil || c.Path != wPath || c.Iface != iface {
					continue
				}
				if ok(c) {
					return c
				}
			case <-timeout:
				t.Fatalf("no PropertiesChanged with %s; subscriber: %s", what, stderr.String())
			}
		}
	}
	select {
	case l := <-lines:
		if l != "ready" {
			t.Fatalf("subscriber: %q %s", l, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the subscriber did not start: %s", stderr.String())
	}
	if _, errs, code := s.Sctl("start", "w.service"); code != 0 {
		t.Fatal(errs)
	}
	pid := s.Show("w.service", "MainPID")
	svc := next("MainPID "+pid, "org.freedesktop.systemd1.Service", func(c propsChange) bool { return c.Changed["MainPID"] == pid })
	unit := next("SubState running", "org.freedesktop.systemd1.Unit", func(c propsChange) bool { return c.Changed["SubState"] == "running" })
	for _, c := range []struct {
		change              propsChange
		values, invalidated []string
	}{
		{svc, []string{"MainPID", "ControlPID", "StatusText", "Result", "NRestarts", "ExecMainPID", "ExecMainStatus", "ExecMainStartTimestamp"},
			[]string{"ExecStart", "ExecStartEx", "ExecStartPre"}},
		{unit, []string{"ActiveState", "SubState", "ActiveEnterTimestamp", "InvocationID", "Job", "ConditionResult"},
			[]string{"Conditions", "Asserts"}},
	} {
		for _, v := range c.values {
			if _, ok := c.change.Changed[v]; !ok {
				t.Errorf("%s: no %s in %v", c.change.Iface, v, c.change.Changed)
			}
		}
		if strings.Join(c.change.Invalidated, ",") == "" || !strings.Contains(","+strings.Join(c.change.Invalidated, ",")+",", ","+c.invalidated[0]+",") {
			t.Errorf("%s: invalidated %v, want %v among them", c.change.Iface, c.change.Invalidated, c.invalidated)
		}
		for _, constant := range []string{"Id", "Names", "LoadState", "Description", "Type", "ExecStart", "TimeoutStartUSec"} {
			if _, ok := c.change.Changed[constant]; ok {
				t.Errorf("%s: const property %s announced", c.change.Iface, constant)
			}
		}
	}
	if _, errs, code := inNS(t, s, 0, "/bin/sh", "-c", "echo > /run/w.fifo"); code != 0 {
		t.Fatal(errs)
	}
	exited := next("ExecMainStatus 7", "org.freedesktop.systemd1.Service", func(c propsChange) bool { return c.Changed["ExecMainStatus"] == "7" })
	if exited.Changed["Result"] != "exit-code" || exited.Changed["MainPID"] != "0" || exited.Changed["ExecMainCode"] != "1" {
		t.Errorf("after the exit: %v", exited.Changed)
	}
	next("SubState failed", "org.freedesktop.systemd1.Unit", func(c propsChange) bool {
		return c.Changed["SubState"] == "failed" && c.Changed["ActiveState"] == "failed"
	})
}
