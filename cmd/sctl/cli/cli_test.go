package cli

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

func TestParseArgs(t *testing.T) {
	cases := []struct {
		name  string
		argv  []string
		verb  string
		args  []string
		check func(options) bool
	}{
		{"options anywhere", []string{"show", "-p", "Id,ActiveState", "x.target", "--value"}, "show", []string{"x.target"},
			func(o options) bool { return o.value && slices.Equal(o.properties, []string{"Id", "ActiveState"}) }},
		{"long forms with =", []string{"--property=Id", "--type=target,service", "--state=failed", "list-units"}, "list-units", nil,
			func(o options) bool {
				return slices.Equal(o.types, []string{"target", "service"}) && slices.Equal(o.states, []string{"failed"})
			}},
		{"glued short", []string{"show", "-pId"}, "show", nil, func(o options) bool { return slices.Equal(o.properties, []string{"Id"}) }},
		{"flags", []string{"-a", "--no-legend", "--plain", "-q", "--no-block", "--job-mode=fail", "start", "a"}, "start", []string{"a"},
			func(o options) bool {
				return o.all && o.noLegend && o.plain && o.quiet && o.noBlock && o.jobMode == "fail"
			}},
		{"double dash", []string{"start", "--", "-weird"}, "start", []string{"-weird"}, func(options) bool { return true }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			verb, args, o, err := parseArgs(c.argv)
			if err != nil || verb != c.verb || !slices.Equal(args, c.args) || !c.check(o) {
				t.Fatalf("got %q %q %+v %v", verb, args, o, err)
			}
		})
	}
	for _, bad := range [][]string{{"--frobnicate"}, {"show", "-p"}} {
		if _, _, _, err := parseArgs(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestUnitName(t *testing.T) {
	for in, want := range map[string]string{"sshd": "sshd.service", "a.target": "a.target", "hello.run": "hello.run",
		"dev-sda.device": "dev-sda.device", "*.target": "*.target", "getty@tty1": "getty@tty1.service"} {
		if got := unitName(in); got != want {
			t.Errorf("unitName(%q) = %q, want %q", in, got, want)
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
     Active: active (active) since Tue 2026-11-24 15:20:00 UTC; 1min 5s ago
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
