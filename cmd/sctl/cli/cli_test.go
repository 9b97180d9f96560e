package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// TestParseArgs holds what the hand-written parser before pflag returned for each command line (checked
// against it when the parser moved), and getopt's messages for the errors.
func TestParseArgs(t *testing.T) {
	cases := []struct {
		argv []string
		verb string
		args []string
		o    options
	}{
		{nil, "", nil, options{}},
		{[]string{"list-units"}, "list-units", nil, options{}},
		{[]string{"show", "-p", "Id,ActiveState", "x.target", "--value"}, "show", []string{"x.target"},
			options{properties: []string{"Id", "ActiveState"}, value: true}},
		{[]string{"show", "-pId", "-p", "Names", "--property=Description", "--property", "LoadState,,SubState ", "a"},
			"show", []string{"a"}, options{properties: []string{"Id", "Names", "Description", "LoadState", "SubState"}}},
		{[]string{"--property=Id", "--type=target,service", "--state=failed", "list-units"}, "list-units", nil,
			options{properties: []string{"Id"}, types: []string{"target", "service"}, states: []string{"failed"}}},
		{[]string{"-t", "socket", "-tmount", "--type", "swap", "--state", "active,inactive", "--state=failed"}, "", nil,
			options{types: []string{"socket", "mount", "swap"}, states: []string{"active", "inactive", "failed"}}},
		{[]string{"-a", "--no-legend", "--plain", "-q", "--no-block", "--job-mode=fail", "start", "a"}, "start", []string{"a"},
			options{all: true, noLegend: true, plain: true, quiet: true, noBlock: true, jobMode: "fail"}},
		{[]string{"start", "--job-mode", "replace-irreversibly", "a", "b"}, "start", []string{"a", "b"},
			options{jobMode: "replace-irreversibly"}},
		{[]string{"start", "--", "-weird", "--all"}, "start", []string{"-weird", "--all"}, options{}},
		{[]string{"--", "start", "x"}, "start", []string{"x"}, options{}},
		{[]string{"status", "-", "x"}, "status", []string{"-", "x"}, options{}},
		{[]string{"status", "", "x"}, "status", []string{"", "x"}, options{}},
		// -f is --force everywhere; logs reads it as --follow.
		{[]string{"logs", "-f", "-n", "20", "--since", "-5min", "x"}, "logs", []string{"x"},
			options{force: 1, lines: "20", since: "-5min"}},
		{[]string{"logs", "--follow", "-n5", "--lines=7", "-S", "today", "--since=yesterday", "x"}, "logs", []string{"x"},
			options{follow: true, lines: "7", since: "yesterday"}},
		{[]string{"logs", "-n", "-3", "x"}, "logs", []string{"x"}, options{lines: "-3"}},
		{[]string{"enable", "-f", "--now", "--runtime", "x"}, "enable", []string{"x"}, options{force: 1, now: true, runtime: true}},
		{[]string{"enable", "--force", "x"}, "enable", []string{"x"}, options{force: 1}},
		{[]string{"poweroff", "-ff"}, "poweroff", nil, options{force: 2}},
		{[]string{"reboot", "-f", "--force"}, "reboot", nil, options{force: 2}},
		{[]string{"kill", "--kill-whom=main", "-s", "HUP", "x"}, "kill", []string{"x"}, options{killWhom: "main", signal: "HUP"}},
		{[]string{"kill", "--kill-whom", "control", "--signal=9", "-sKILL", "x"}, "kill", []string{"x"},
			options{killWhom: "control", signal: "KILL"}},
		{[]string{"list-sockets", "--show-types", "--all"}, "list-sockets", nil, options{showTypes: true, all: true}},
		{[]string{"list-dependencies", "--reverse", "--plain", "-a", "x"}, "list-dependencies", []string{"x"},
			options{reverse: true, plain: true, all: true}},
		{[]string{"start", "--wait", "-l", "--full", "x"}, "start", []string{"x"}, options{wait: true, full: true}},
		{[]string{"--no-pager", "--no-ask-password", "--system", "status"}, "status", nil, options{}},
		{[]string{"--quiet", "is-active", "x"}, "is-active", []string{"x"}, options{quiet: true}},
		// What getopt accepts and the parser before pflag did not: bundled switches, a value glued to them.
		{[]string{"-aql", "list-units"}, "list-units", nil, options{all: true, quiet: true, full: true}},
		{[]string{"show", "-ap", "Id", "x"}, "show", []string{"x"}, options{all: true, properties: []string{"Id"}}},
		// pflag reads "-p=Id" as "-p Id", where getopt (and the parser before pflag) gave "=Id" (docs/sctl.md).
		{[]string{"show", "-p=Id", "x"}, "show", []string{"x"}, options{properties: []string{"Id"}}},
		{[]string{"-h"}, "", nil, options{help: true}},
		{[]string{"status", "--help"}, "status", nil, options{help: true}},
	}
	for _, c := range cases {
		verb, args, o, err := parseArgs(c.argv)
		if err != nil || verb != c.verb || len(args)+len(c.args) > 0 && !slices.Equal(args, c.args) || !reflect.DeepEqual(o, c.o) {
			t.Errorf("%q: got %q %q %+v %v, want %q %q %+v", c.argv, verb, args, o, err, c.verb, c.args, c.o)
		}
	}
	for _, c := range []struct {
		argv []string
		msg  string
	}{
		{[]string{"--frobnicate"}, "sctl: unrecognized option '--frobnicate'"},
		{[]string{"status", "--frob=1"}, "sctl: unrecognized option '--frob=1'"},
		{[]string{"show", "-p"}, "sctl: option requires an argument -- 'p'"},
		{[]string{"show", "--property"}, "sctl: option '--property' requires an argument"},
		{[]string{"logs", "-n"}, "sctl: option requires an argument -- 'n'"},
		{[]string{"kill", "x", "--signal"}, "sctl: option '--signal' requires an argument"},
		{[]string{"-x", "status"}, "sctl: invalid option -- 'x'"},
		{[]string{"-aqz"}, "sctl: invalid option -- 'z'"},
		{[]string{"--force=yes"}, "sctl: option '--force' doesn't allow an argument"},
		{[]string{"---all"}, "sctl: unrecognized option '---all'"},
	} {
		_, _, _, err := parseArgs(c.argv)
		if err == nil {
			t.Errorf("%q accepted", c.argv)
		} else if got := optionError("sctl", err, c.argv); got != c.msg {
			t.Errorf("%q: %q, want %q", c.argv, got, c.msg)
		}
	}
}

// FuzzParseArgs: any command line either parses, the verb and arguments being words of it in their order, or
// fails with getopt's words.
func FuzzParseArgs(f *testing.F) {
	f.Add("show -p Id,Names --value x.service")
	f.Add("-aql --type=socket -- -x")
	f.Add("logs -fn5 --since -5min --frob=1")
	f.Fuzz(func(t *testing.T, line string) {
		argv := strings.Split(line, " ")
		verb, args, _, err := parseArgs(argv)
		if err != nil {
			// getopt's words, or an option's own refusal of its value ("Unknown unit type or load state").
			var refused *pflag.InvalidValueError
			var checked refusal
			msg := optionError("sctl", err, argv)
			if !strings.HasPrefix(msg, "sctl: ") || !strings.Contains(msg, "option") && !errors.As(err, &refused) && !errors.As(err, &checked) {
				t.Fatalf("%q: %q", argv, msg)
			}
			return
		}
		if verb == "" && len(args) == 0 {
			return // no words left
		}
		rest := argv
		for _, w := range append([]string{verb}, args...) {
			i := slices.Index(rest, w)
			if i < 0 {
				t.Fatalf("%q: %q %q is not a subsequence", argv, verb, args)
			}
			rest = rest[i+1:]
		}
	})
}

func TestUnitName(t *testing.T) {
	for in, want := range map[string]string{"sshd": "sshd.service", "a.target": "a.target", "hello.run": "hello.run",
		"dev-sda.device": "dev-sda.device", "*.target": "*.target", "getty@tty1": "getty@tty1.service",
		"python3.11": "python3.11.service", "/home/a": "home-a.mount", "/dev/sda": "dev-sda.device",
		"foo bar": "foo\\x20bar.service"} {
		if got := unitName(in); got != want {
			t.Errorf("unitName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnitNameMangleTable: systemd's unit_name_mangle_with_suffix(".service") table (test-unit-name.c, the peer
// data kept with its licence note in pkg/unitname/testdata), as sctl's names come out of it.
func TestUnitNameMangleTable(t *testing.T) {
	b, err := os.ReadFile("../../../pkg/unitname/testdata/unit-name-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]json.RawMessage
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Input  string  `json:"input"`
		Expect *string `json:"expect"`
	}
	if err := json.Unmarshal(cases[`unit_name_mangle_with_suffix(".service")`], &rows); err != nil || len(rows) < 20 {
		t.Fatalf("%v, %d rows", err, len(rows))
	}
	for _, r := range rows {
		if r.Expect == nil {
			continue // the empty name: sctl never gets one as a unit argument
		}
		if got := unitName(r.Input); got != *r.Expect {
			t.Errorf("unitName(%q) = %q, want %q", r.Input, got, *r.Expect)
		}
	}
}

func TestFormatUnits(t *testing.T) {
	units := []*controlv1.UnitStatus{
		{Name: "basic.target", Description: "Basic System", LoadState: "loaded", ActiveState: "active", SubState: "active"},
		{Name: "broken.target", Description: "Broken", LoadState: "bad-setting", ActiveState: "inactive", SubState: "dead"},
	}
	got := formatUnits(units, options{})
	want := `  UNIT          LOAD        ACTIVE   SUB    DESCRIPTION
  basic.target  loaded      active   active Basic System
● broken.target bad-setting inactive dead   Broken

LOAD   = Reflects whether the unit definition was properly loaded.
ACTIVE = The high-level unit activation state, i.e. generalization of SUB.
SUB    = The low-level unit activation state, values depend on unit type.

2 loaded units listed. Pass --all to see loaded but inactive units, too.
To show all installed unit files use 'sctl list-unit-files'.
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := formatUnits(units[:1], options{noLegend: true, plain: true}); got != "basic.target loaded active active Basic System\n" {
		t.Errorf("plain, no legend: %q", got)
	}
}

func TestFormatPluginsAndJobs(t *testing.T) {
	ps := []*controlv1.PluginInfo{
		{Type: "target", Path: "/usr/lib/sysmaster/plugins/target", Sha256: strings.Repeat("ab", 32), Pid: 42, State: "loaded", Units: 15,
			Version: "1.0.0"},
		{Type: "run", Path: "/opt/run", Sha256: strings.Repeat("cd", 32), State: "not loaded"},
		{Type: "service", Path: "/opt/service", Sha256: strings.Repeat("ef", 32), RunningSha256: strings.Repeat("12", 32), Pid: 7,
			State: "loaded", Units: 100, Version: "1.1.0", Restarts: 2, LastSwapUsec: time.Date(2024, 5, 1, 13, 4, 5, 0, time.Local).UnixMicro()},
		{Type: "crash", Path: "/opt/crash", State: "backoff (5 crashes in 1.2s; next launch in 2s)", Restarts: 4, Error: "exited with status 3"},
	}
	got := formatPlugins(ps, options{})
	for _, want := range []string{"TYPE    BINARY                            SHA256       PID UNITS VERSION RESTARTS SWAPPED  STATE",
		"target  /usr/lib/sysmaster/plugins/target abababababab 42  15    1.0.0   0        -        loaded",
		"run     /opt/run                          cdcdcdcdcdcd -   0     -       0        -        not loaded",
		// The running binary's digest, and a note that the one on disk differs.
		"service /opt/service                      121212121212 7   100   1.1.0   2        13:04:05 loaded (binary changed on disk)",
		"crash   /opt/crash                        -            -   0     -       4        -        backoff (5 crashes in 1.2s; next launch in 2s) (exited with status 3)",
		"4 plugins listed."} {
		if !strings.Contains(got, want) {
			t.Errorf("list-plugins lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(formatPlugins(ps, options{full: true}), strings.Repeat("ab", 32)) {
		t.Error("--full must show the whole digest")
	}
	swap := formatSwap("service", &controlv1.ReloadPluginResponse{OldPid: 7, OldVersion: "1.0.0", NewPid: 9, NewVersion: "1.1.0",
		Sha256: strings.Repeat("12", 32), Units: 100, PauseUsec: 85})
	if swap != "Plugin service: 1.0.0 (pid 7) replaced by 1.1.0 (pid 9, sha256 121212121212); 100 units re-parsed; loop held for 85µs.\n" {
		t.Errorf("reload-plugin: %q", swap)
	}
	if formatJobs(nil, options{}) != "No jobs running.\n" {
		t.Error("no jobs")
	}
	if got := formatJobs([]*controlv1.JobInfo{{Id: 7, Unit: "a.target", Type: "start", State: "waiting"}}, options{}); got != "JOB UNIT     TYPE  STATE\n7   a.target start waiting\n\n1 jobs listed.\n" {
		t.Errorf("jobs:\n%q", got)
	}
}

func TestFormatShowAndCat(t *testing.T) {
	units := []*controlv1.UnitProperties{
		{Unit: "a", Properties: []*controlv1.Property{{Name: "Id", Value: "a.target"}, {Name: "ActiveState", Value: "active"}}},
		{Unit: "b", Properties: []*controlv1.Property{{Name: "Id", Value: "b.target"}}},
	}
	if got := formatShow(units, false); got != "Id=a.target\nActiveState=active\n\nId=b.target\n" {
		t.Errorf("show: %q", got)
	}
	if got := formatShow(units[:1], true); got != "a.target\nactive\n" {
		t.Errorf("show --value: %q", got)
	}
	unknown := []*controlv1.UnitProperties{{Unit: "c", Properties: []*controlv1.Property{
		{Name: "MemoryCurrent", Value: notSet}, {Name: "TasksCurrent", Value: notSet}, {Name: "CPUUsageNSec", Value: notSet},
		{Name: "TasksMax", Value: notSet}, {Name: "MemoryCurrent", Value: "4096"}}}}
	if got := formatShow(unknown, false); got != "MemoryCurrent=[not set]\nTasksCurrent=[not set]\nCPUUsageNSec=[not set]\n"+
		"TasksMax=18446744073709551615\nMemoryCurrent=4096\n" {
		t.Errorf("show of unknown values: %q", got)
	}
	cat := []*controlv1.CatUnit{{Unit: "a", Files: []*controlv1.CatFile{{Path: "/x/a.target", Content: "[Unit]\n"}, {Path: "/x/a.target.d/o.conf", Content: "[Unit]\nDescription=A"}}}}
	if got := formatCat(cat); got != "# /x/a.target\n[Unit]\n\n# /x/a.target.d/o.conf\n[Unit]\nDescription=A\n" {
		t.Errorf("cat: %q", got)
	}
}

func TestFormatStatus(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 21, 5, 0, time.UTC)
	p := map[string]string{"Id": "multi-user.target", "Description": "Multi-User System", "LoadState": "loaded",
		"FragmentPath": "/usr/lib/sysmaster/system/multi-user.target", "UnitFileState": "static",
		"ActiveState": "active", "SubState": "active", "ActiveEnterTimestamp": "Tue 2026-11-24 15:20:00 UTC",
		"DropInPaths": "/etc/sysmaster/system/multi-user.target.d/a.conf /etc/sysmaster/system/multi-user.target.d/b.conf"}
	want := `● multi-user.target - Multi-User System
     Loaded: loaded (/usr/lib/sysmaster/system/multi-user.target; static)
    Drop-In: /etc/sysmaster/system/multi-user.target.d
             └─a.conf, b.conf
     Active: active since Tue 2026-11-24 15:20:00 UTC; 1min 5s ago
`
	if got := formatStatus(p, now, false); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	bad := map[string]string{"Id": "x.target", "LoadState": "bad-setting", "LoadError": "/etc/x.target:3: [Unit] AllowIsolate: bad",
		"ActiveState": "inactive", "SubState": "dead"}
	if got := formatStatus(bad, now, false); !strings.Contains(got, "Loaded: bad-setting (Reason: /etc/x.target:3: [Unit] AllowIsolate: bad)") {
		t.Errorf("bad-setting status:\n%s", got)
	}
	held := map[string]string{"Id": "x.crash", "LoadState": "loaded", "ActiveState": "inactive", "SubState": "dead",
		"PluginState": "backoff (5 crashes in 1.2s; next launch in 2s); 1 events held for this unit until the plugin is back"}
	if got := formatStatus(held, now, false); !strings.Contains(got, "     Loaded: loaded\n     Plugin: crash plugin backoff (5 crashes in 1.2s; next launch in 2s); 1 events held") {
		t.Errorf("backed-off plugin status:\n%s", got)
	}
	held["PluginState"] = "loaded"
	if got := formatStatus(held, now, false); strings.Contains(got, "Plugin:") {
		t.Errorf("a loaded plugin is mentioned:\n%s", got)
	}
}

func TestExitCodesByErrorClass(t *testing.T) {
	cases := []struct {
		err  error
		code int
		msg  string
	}{
		{errdefs.NotFound(errors.New("Unit x.service not found.")), exitNotInstalled, "Failed to start x.service: Unit x.service not found."},
		{errdefs.PermissionDenied(errors.New("no")), exitNoSuchUnit, "Failed to start x.service: Access denied"},
		{errdefs.FailedPrecondition(errors.New("Unit x.service is masked.")), exitFailure, "Failed to start x.service: Unit x.service is masked."},
		{errdefs.Unavailable(errors.New("connection refused")), exitFailure, "Failed to connect to sysmaster: connection refused"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		e := &env{stderr: &out}
		if code := e.callFailed("start x.service", c.err); code != c.code || strings.TrimSpace(out.String()) != c.msg {
			t.Errorf("%v: exit %d %q, want %d %q", c.err, code, out.String(), c.code, c.msg)
		}
	}
}

func TestJobMessages(t *testing.T) {
	for result, want := range map[string]string{
		"done": "", "skipped": "",
		"failed":     "Job for a.target failed. See 'sctl status a.target' for details.",
		"dependency": "A dependency job for a.target failed. See 'sctl status a.target' for details.",
		"canceled":   "Job for a.target canceled.", "timeout": "Job for a.target timed out.",
	} {
		if got := jobMessage(&controlv1.JobResult{Unit: "a.target", Result: result}); got != want {
			t.Errorf("%s: %q", result, got)
		}
	}
}

func TestFormatSockets(t *testing.T) {
	prop := func(kv ...string) []*controlv1.Property {
		var ps []*controlv1.Property
		for i := 0; i < len(kv); i += 2 {
			ps = append(ps, &controlv1.Property{Name: kv[i], Value: kv[i+1]})
		}
		return ps
	}
	units := []*controlv1.UnitProperties{
		{Unit: "web.socket", Properties: prop("Id", "web.socket", "Listen", "[::]:8080 (Stream)\n/run/web.sock (Stream)", "Triggers", "web.service")},
		{Unit: "echo.socket", Properties: prop("Id", "echo.socket", "Listen", "127.0.0.1:7 (Datagram)", "Triggers", "")},
	}
	got := formatSockets(units, options{all: true})
	want := "LISTEN        UNIT        ACTIVATES\n" +
		"/run/web.sock web.socket  web.service\n" +
		"127.0.0.1:7   echo.socket \n" +
		"[::]:8080     web.socket  web.service\n" +
		"\n3 sockets listed.\n"
	if got != want {
		t.Errorf("list-sockets:\n%q\nwant\n%q", got, want)
	}
	if got := formatSockets(units[1:], options{showTypes: true, noLegend: true}); !strings.Contains(got, "127.0.0.1:7 Datagram echo.socket") {
		t.Errorf("--show-types --no-legend:\n%s", got)
	}
	// Listen= entries print one line each.
	if got := formatShow(units[:1], false); !strings.Contains(got, "Listen=[::]:8080 (Stream)\nListen=/run/web.sock (Stream)\n") {
		t.Errorf("show:\n%s", got)
	}
}

func TestFormatAutomounts(t *testing.T) {
	got := formatAutomounts([]automountRow{
		{what: "/data/shared", where: "/auto", mounted: "yes", idle: "2s", unit: "auto.automount"},
		{what: "binfmt_misc", where: "/proc/sys/fs/binfmt_misc", mounted: "no", idle: "0", unit: "proc-sys-fs-binfmt_misc.automount"},
	}, options{})
	want := "WHAT         WHERE                    MOUNTED IDLE TIMEOUT UNIT\n" +
		"/data/shared /auto                    yes     2s           auto.automount\n" +
		"binfmt_misc  /proc/sys/fs/binfmt_misc no      disabled     proc-sys-fs-binfmt_misc.automount\n" +
		"\n2 automounts listed.\nPass --all to see loaded but inactive automounts, too.\n"
	if got != want {
		t.Errorf("list-automounts:\n%q\nwant\n%q", got, want)
	}
}

// FuzzTrimEditMarkers: what edit keeps of the editor's file ends in one newline or is empty, and the template's
// own markers never survive in it.
func FuzzTrimEditMarkers(f *testing.F) {
	f.Add(dropInTemplate("/nonexistent/override.conf", nil))
	f.Add("[Service]\nEnvironment=A=1\n")
	f.Add(editMarkerStart + "x\n" + editMarkerEnd + "y")
	f.Fuzz(func(t *testing.T, s string) {
		got := trimEditMarkers(s)
		if got != "" && (!strings.HasSuffix(got, "\n") || strings.TrimSpace(got) == "") {
			t.Fatalf("trimEditMarkers(%q) = %q", s, got)
		}
		if strings.Count(s, editMarkerStart) == 1 && strings.Count(s, editMarkerEnd) == 1 &&
			strings.Index(s, editMarkerStart) < strings.Index(s, editMarkerEnd) && strings.Contains(got, editMarkerEnd) {
			t.Fatalf("trimEditMarkers(%q) kept a marker: %q", s, got)
		}
	})
}

// TestTypeHelp: -t help lists the unit types and load states, as systemctl's does, without a manager.
func TestTypeHelp(t *testing.T) {
	var out, errs strings.Builder
	if code := Main([]string{"sctl", "list-units", "-t", "help"}, &out, &errs); code != 0 ||
		!strings.HasPrefix(out.String(), "Available unit types:\nservice\n") || !strings.Contains(out.String(), "Available unit load states:\n") {
		t.Errorf("exit %d\n%s%s", code, out.String(), errs.String())
	}
}
