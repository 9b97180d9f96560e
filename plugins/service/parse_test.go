package service

import (
	"errors"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// testEnv resolves "sh" and "true" to /bin, knows 8 GiB of memory and a pid_max of 4194304.
func testEnv() exec.LoadEnv {
	return exec.LoadEnv{
		LookPath: func(name string) (string, bool) {
			if name == "sh" || name == "true" {
				return "/bin/" + name, true
			}
			return "", false
		},
		Memory: func() (uint64, error) { return 8 << 30, nil },
		PidMax: func() (uint64, error) { return 4194304, nil },
	}
}

// parse parses lines "Key=Value" of a [Service] section written in /u/a.service, line i+1 for lines[i].
func parse(lines ...string) (Config, *sdk.ParseResult) {
	sec := &sdk.Section{Name: "Service"}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		sec.Entries = append(sec.Entries, &sdk.Entry{Key: k, Value: v, File: "/u/a.service", Line: int32(i + 1)})
	}
	req := &sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "a.service"}, Sections: []*sdk.Section{sec}}
	res := &sdk.ParseResult{}
	return parseWith(req, res, testEnv()), res
}

func problems(res *sdk.ParseResult, sev sdk.Severity) []*sdk.Problem {
	var out []*sdk.Problem
	for _, p := range res.Problems {
		if p.Severity == sev {
			out = append(out, p)
		}
	}
	return out
}

// clean parses lines that must give no problem at all.
func clean(t *testing.T, lines ...string) Config {
	t.Helper()
	c, res := parse(lines...)
	for _, p := range res.Problems {
		t.Errorf("%v: unexpected problem %s:%d %s: %s", lines, p.File, p.Line, p.Key, p.Message)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := clean(t, "ExecStart=/bin/true")
	if c.Type != "simple" || c.RemainAfterExit || !c.GuessMainPID || c.PIDFile != "" {
		t.Errorf("type defaults: %+v", c)
	}
	if c.Restart != "no" || c.RestartUSec != 100000 || c.RestartSteps != 0 || c.RestartMaxDelayUSec != 0 {
		t.Errorf("restart defaults: %+v", c)
	}
	if c.TimeoutStartUSec != 90e6 || c.TimeoutStopUSec != 90e6 || c.TimeoutAbortUSec != 90e6 ||
		c.RuntimeMaxUSec != 0 || c.WatchdogUSec != 0 {
		t.Errorf("timeout defaults: %+v", c)
	}
	if c.NotifyAccess != "none" || c.OOMPolicy != "stop" || c.KillMode != "control-group" {
		t.Errorf("defaults: %+v", c)
	}
	if c.KillSignal != 15 || c.RestartKillSignal != 15 || c.FinalKillSignal != 9 || c.WatchdogSignal != 6 ||
		c.ReloadSignal != 1 || !c.SendSIGKILL || c.SendSIGHUP {
		t.Errorf("kill defaults: %+v", c)
	}
	x := c.Exec
	if x.UMask != 0o022 || x.StandardInput != "null" || x.StandardOutput != "journal" ||
		x.StandardError != "inherit" || !x.Setsid || x.NiceSet || x.OOMScoreAdjustSet || len(x.Limits) != 0 {
		t.Errorf("exec defaults: %+v", x)
	}
	if c.RuntimeDirectoryPreserve != "no" || c.Cgroup == nil || c.Cgroup.MemoryMax != 0 {
		t.Errorf("other defaults: %+v", c)
	}
}

func TestParseConfigUsesTheSystem(t *testing.T) {
	req := &sdk.ParseRequest{Sections: []*sdk.Section{{Name: "Service", Entries: []*sdk.Entry{
		{Key: "ExecStart", Value: "sh -c true", File: "f", Line: 1}}}}}
	res := &sdk.ParseResult{}
	c := parseConfig(req, res)
	if res.Failed() || len(c.ExecStart) != 1 || !strings.HasSuffix(c.ExecStart[0].Path, "/sh") ||
		!strings.HasPrefix(c.ExecStart[0].Path, "/") {
		t.Fatalf("ExecStart=sh: %+v %v", c.ExecStart, res.Problems)
	}
	// No [Service] section at all: a oneshot that does nothing, with a warning.
	res = &sdk.ParseResult{}
	c = parseConfig(&sdk.ParseRequest{}, res)
	if c.Type != "oneshot" || res.Failed() || len(res.Problems) != 1 {
		t.Fatalf("empty: %+v %v", c, res.Problems)
	}
	if _, err := exec.SystemLoadEnv().Memory(); err != nil {
		t.Error(err)
	}
	if n, err := exec.SystemLoadEnv().PidMax(); err != nil || n == 0 {
		t.Error(n, err)
	}
}

func TestUnknownKey(t *testing.T) {
	_, res := parse("ExecStart=/bin/true", "Foo=bar")
	w := problems(res, sdk.SeverityWarning)
	if res.Failed() || len(w) != 1 {
		t.Fatalf("problems: %v", res.Problems)
	}
	if w[0].Message != "Unknown key name 'Foo' in section 'Service', ignoring." || w[0].File != "/u/a.service" ||
		w[0].Line != 2 || w[0].Key != "Foo" || w[0].Section != "Service" {
		t.Errorf("warning: %+v", w[0])
	}
}

// TestBadValues checks that each bad value is an error naming file, line, key and value.
func TestBadValues(t *testing.T) {
	bad := []string{
		"Type=forky", "RemainAfterExit=maybe", "GuessMainPID=2", "PIDFile=/run/../x",
		"ExecStartPre=./run", "ExecStop=/bin/true/", "ExecReload=@/bin/true", "ExecStartPost=\"/bin/true",
		"Restart=sometimes", "RestartSec=soon", "RestartSteps=-1", "RestartSteps=3601", "RestartMaxDelaySec=x",
		"RestartPreventExitStatus=256", "RestartForceExitStatus=SIGFOO", "SuccessExitStatus=1 x",
		"TimeoutStartSec=1 fortnight", "TimeoutStopSec=-1", "TimeoutSec=x", "TimeoutAbortSec=x",
		"RuntimeMaxSec=x", "WatchdogSec=x", "NotifyAccess=some", "OOMPolicy=panic", "KillMode=group",
		"KillSignal=SIGFOO", "RestartKillSignal=0", "FinalKillSignal=65", "WatchdogSignal=term",
		"ReloadSignal=RTMIN+40", "SendSIGKILL=perhaps", "SendSIGHUP=2",
		"User=-root", "Group=a b", "User=a:b", "SupplementaryGroups=a /b", "WorkingDirectory=rel",
		"WorkingDirectory=-rel", "RootDirectory=/a/./b", "EnvironmentFile=env", "EnvironmentFile=-rel",
		"UMask=0999", "UMask=1777", "Nice=20", "Nice=-21", "Nice=x", "OOMScoreAdjust=1001",
		"OOMScoreAdjust=-1001", "LimitNOFILE=x", "LimitNOFILE=10:5", "LimitAS=1Q", "LimitCPU=x",
		"LimitNICE=+20", "LimitNICE=41", "LimitRTTIME=x", "CPUSchedulingPolicy=deadline",
		"CPUSchedulingPriority=100", "NoNewPrivileges=x", "PrivateTmp=x", "StandardInput=journal",
		"StandardInput=file:rel", "StandardOutput=file:rel", "StandardOutput=append:", "StandardError=truncate:a",
		"StandardError=console", "StandardOutput=fd:", "StandardInputText=\\q", "StandardInputData=!!!",
		"TTYPath=tty1", "RuntimeDirectory=/abs", "StateDirectory=a/../b", "CacheDirectory=..",
		"LogsDirectory=a//b", "ConfigurationDirectory=./a", "RuntimeDirectoryMode=888",
		"StateDirectoryMode=17777", "RuntimeDirectoryPreserve=sometimes", "MemoryMax=x", "MemoryMax=101%",
		"MemoryHigh=-1", "MemoryMax=0", "CPUQuota=0%", "CPUQuota=20", "CPUQuota=x%", "CPUWeight=0",
		"CPUWeight=10001", "IOWeight=x", "TasksMax=0", "TasksMax=x", "TasksMax=101%", "Environment=\"A=1",
	}
	for _, line := range bad {
		k, v, _ := strings.Cut(line, "=")
		_, res := parse("ExecStart=/bin/true", line)
		// One problem naming the line: a warning (the line ignored, as systemd does) or, for the keys systemd
		// refuses a unit over, an error.
		errs := res.Problems
		if len(errs) != 1 {
			t.Errorf("%s: want one problem, got %v", line, res.Problems)
			continue
		}
		e := errs[0]
		if e.File != "/u/a.service" || e.Line != 2 || e.Key != k || e.Section != "Service" ||
			!strings.Contains(e.Message, k) || !strings.Contains(e.Message, v) {
			t.Errorf("%s: error lacks file, line, key or value: %+v", line, e)
		}
	}
}

func TestTypeAndExecStart(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		typ   string
		err   string
	}{
		{"simple default", []string{"ExecStart=/bin/true"}, "simple", ""},
		{"oneshot without ExecStart", []string{"ExecStop=/bin/true"}, "oneshot", ""},
		{"default several", []string{"ExecStart=/bin/true", "ExecStart=/bin/sh"}, "simple", "more than one"},
		{"oneshot several explicit", []string{"Type=oneshot", "ExecStart=/bin/true", "ExecStart=/bin/sh"}, "oneshot", ""},
		{"simple several", []string{"Type=simple", "ExecStart=/bin/true", "ExecStart=/bin/sh"}, "simple", "more than one"},
		{"semicolon several", []string{"Type=exec", "ExecStart=/bin/true ; /bin/sh"}, "exec", "more than one"},
		{"forking none", []string{"Type=forking"}, "forking", "no ExecStart="},
		{"reset leaves none", []string{"Type=notify", "ExecStart=/bin/true", "ExecStart="}, "notify", "no ExecStart="},
		{"dbus without BusName", []string{"Type=dbus", "ExecStart=/bin/true"}, "dbus", "Service is of type D-Bus but no D-Bus service name has been specified. Refusing."},
		{"dbus", []string{"Type=dbus", "BusName=org.example.A", "ExecStart=/bin/true"}, "dbus", ""},
		{"dbus invalid BusName", []string{"Type=dbus", "BusName=noDots", "ExecStart=/bin/true"}, "dbus", "no D-Bus service name"},
		{"each type", []string{"Type=idle", "ExecStart=/bin/true"}, "idle", ""},
		{"notify-reload", []string{"Type=notify-reload", "ExecStart=/bin/true"}, "notify-reload", ""},
		{"type reset", []string{"Type=forking", "Type=", "ExecStart=/bin/true"}, "simple", ""},
		{"oneshot restart always", []string{"Type=oneshot", "ExecStart=/bin/true", "Restart=always"}, "oneshot", "Restart=always"},
		{"oneshot restart on-failure", []string{"Type=oneshot", "ExecStart=/bin/true", "Restart=on-failure"}, "oneshot", ""},
	}
	for _, tc := range cases {
		c, res := parse(tc.lines...)
		errs := problems(res, sdk.SeverityError)
		if c.Type != tc.typ {
			t.Errorf("%s: Type %q, want %q", tc.name, c.Type, tc.typ)
		}
		switch {
		case tc.err == "" && len(errs) > 0:
			t.Errorf("%s: unexpected %v", tc.name, errs)
		case tc.err != "" && (len(errs) != 1 || !strings.Contains(errs[0].Message, tc.err)):
			t.Errorf("%s: want error %q, got %v", tc.name, tc.err, res.Problems)
		}
	}
	_, res := parse("Type=dbus", "ExecStart=/bin/true")
	if e := problems(res, sdk.SeverityError); len(e) != 1 || e[0].Line != 1 || e[0].Key != "Type" {
		t.Errorf("dbus: %v", res.Problems)
	}
	// An invalid BusName= is logged and ignored (systemd's config_parse_bus_name), naming line and key.
	c, res := parse("Type=simple", "BusName=1.bad", "ExecStart=/bin/true")
	if w := problems(res, sdk.SeverityWarning); c.BusName != "" || len(w) != 1 || w[0].Line != 2 || w[0].Key != "BusName" {
		t.Errorf("BusName=1.bad: %q %v", c.BusName, res.Problems)
	}
	if _, res := parse("Type=dbus", "BusName=org.freedesktop.PolicyKit1", "ExecStart=/bin/true"); len(res.Problems) != 0 {
		t.Errorf("polkit's BusName: %v", res.Problems)
	}
}

func TestServiceDirectives(t *testing.T) {
	c := clean(t, "ExecStart=/bin/true", "RemainAfterExit=yes", "GuessMainPID=no", "PIDFile=foo.pid",
		"Restart=on-abnormal", "RestartSec=5", "RestartSteps=3", "RestartMaxDelaySec=1min",
		"TimeoutSec=10s", "TimeoutStopSec=infinity", "RuntimeMaxSec=1h", "WatchdogSec=30s",
		"OOMPolicy=continue", "KillMode=mixed", "KillSignal=SIGINT", "FinalKillSignal=QUIT",
		"WatchdogSignal=RTMIN+1", "ReloadSignal=USR1", "SendSIGKILL=no", "SendSIGHUP=yes",
		"Sockets=a.socket b.socket", "Sockets=a.socket c.socket")
	if !c.RemainAfterExit || c.GuessMainPID || c.PIDFile != "/run/foo.pid" || c.Restart != "on-abnormal" ||
		c.RestartUSec != 5e6 || c.RestartSteps != 3 || c.RestartMaxDelayUSec != 60e6 {
		t.Errorf("%+v", c)
	}
	if c.TimeoutStartUSec != 10e6 || c.TimeoutStopUSec != 0 || c.TimeoutAbortUSec != 0 ||
		c.RuntimeMaxUSec != 3600e6 || c.WatchdogUSec != 30e6 || c.NotifyAccess != "main" {
		t.Errorf("%+v", c)
	}
	if c.OOMPolicy != "continue" || c.KillMode != "mixed" || c.KillSignal != 2 || c.RestartKillSignal != 2 ||
		c.FinalKillSignal != 3 || c.WatchdogSignal != 35 || c.ReloadSignal != 10 || c.SendSIGKILL || !c.SendSIGHUP {
		t.Errorf("%+v", c)
	}
	if strings.Join(c.Sockets, ",") != "a.socket,b.socket,c.socket" {
		t.Errorf("Sockets %v", c.Sockets)
	}

	c = clean(t, "ExecStart=/bin/true", "TimeoutStartSec=0", "TimeoutStopSec=5", "TimeoutAbortSec=7",
		"KillSignal=9", "RestartKillSignal=SIGTERM", "Type=notify", "NotifyAccess=all", "RestartSec=infinity")
	if c.TimeoutStartUSec != 0 || c.TimeoutStopUSec != 5e6 || c.TimeoutAbortUSec != 7e6 || c.KillSignal != 9 ||
		c.RestartKillSignal != 15 || c.NotifyAccess != "all" || c.RestartUSec != ^uint64(0) {
		t.Errorf("%+v", c)
	}
	if c := clean(t, "Type=notify", "ExecStart=/bin/true"); c.NotifyAccess != "main" {
		t.Errorf("notify: NotifyAccess %q", c.NotifyAccess)
	}
	if c := clean(t, "Type=exec", "ExecStart=/bin/true", "TimeoutStopSec=3", "TimeoutStartSec=4",
		"TimeoutSec=", "RestartSec="); c.TimeoutStopUSec != 90e6 || c.TimeoutAbortUSec != 90e6 || c.RestartUSec != 1e5 {
		t.Errorf("resets: %+v", c)
	}

	// Warnings that leave the unit loadable.
	warned := []string{"KillMode=none", "PIDFile=/var/run/a.pid", "Sockets=a.service", "RestartSteps=2",
		"RestartMaxDelaySec=5s", "Environment=1A=x", "PassEnvironment=A-B", "UnsetEnvironment=-",
		"CapabilityBoundingSet=CAP_NOPE", "Delegate=cpu teapot", "StandardOutput=syslog", "ExecStartPre=nosuch"}
	for _, l := range warned {
		_, res := parse("ExecStart=/bin/true", l)
		w := problems(res, sdk.SeverityWarning)
		k, _, _ := strings.Cut(l, "=")
		if res.Failed() || len(w) != 1 || w[0].Key != k || w[0].Line != 2 && w[0].Line != 0 {
			t.Errorf("%s: want one warning, got %v", l, res.Problems)
		}
	}
	if c, _ := parse("ExecStart=/bin/true", "PIDFile=/var/run/a.pid"); c.PIDFile != "/run/a.pid" {
		t.Errorf("PIDFile %q", c.PIDFile)
	}
	_, res := parse("ExecStart=/bin/true", "RestartSec=10", "RestartSteps=2", "RestartMaxDelaySec=5")
	if !res.Failed() {
		t.Errorf("RestartMaxDelaySec below RestartSec: %v", res.Problems)
	}
}

func TestExitStatus(t *testing.T) {
	c := clean(t, "ExecStart=/bin/true", "SuccessExitStatus=1 2 SIGHUP", "SuccessExitStatus=TEMPFAIL HUP 250 KILL",
		"RestartPreventExitStatus=3", "RestartPreventExitStatus=", "RestartPreventExitStatus=SIGTERM",
		"RestartForceExitStatus=EXEC 0")
	if !equalInts(c.SuccessExitStatus.Statuses, 1, 2, 75, 250) || !equalInts(c.SuccessExitStatus.Signals, 1, 9) {
		t.Errorf("SuccessExitStatus %+v", c.SuccessExitStatus)
	}
	if len(c.RestartPreventExitStatus.Statuses) != 0 || !equalInts(c.RestartPreventExitStatus.Signals, 15) {
		t.Errorf("RestartPreventExitStatus %+v", c.RestartPreventExitStatus)
	}
	if !equalInts(c.RestartForceExitStatus.Statuses, 203, 0) || len(c.RestartForceExitStatus.Signals) != 0 {
		t.Errorf("RestartForceExitStatus %+v", c.RestartForceExitStatus)
	}
}

func equalInts(got []int, want ...int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestLoadEnvErrors(t *testing.T) {
	env := testEnv()
	env.Memory = func() (uint64, error) { return 0, errors.New("no sysinfo") }
	env.PidMax = func() (uint64, error) { return 0, errors.New("no proc") }
	sec := &sdk.Section{Name: "Service", Entries: []*sdk.Entry{
		{Key: "ExecStart", Value: "/bin/true"}, {Key: "MemoryMax", Value: "10%"}, {Key: "TasksMax", Value: "10%"}}}
	res := &sdk.ParseResult{}
	parseWith(&sdk.ParseRequest{Sections: []*sdk.Section{sec}}, res, env)
	if len(problems(res, sdk.SeverityWarning)) != 2 {
		t.Errorf("%v", res.Problems)
	}
}

func TestSocketsDependencies(t *testing.T) {
	_, res := parse("ExecStart=/bin/true", "Sockets=a.socket b.socket")
	if len(res.ImplicitDeps) != 3 || res.ImplicitDeps[0].Kind != "Wants" || res.ImplicitDeps[1].Kind != "After" ||
		res.ImplicitDeps[2].Kind != "TriggeredBy" || strings.Join(res.ImplicitDeps[1].Units, " ") != "a.socket b.socket" ||
		strings.Join(res.ImplicitDeps[2].Units, " ") != "a.socket b.socket" {
		t.Errorf("%v", res.ImplicitDeps)
	}
	if _, res := parse("ExecStart=/bin/true"); len(res.ImplicitDeps) != 0 {
		t.Errorf("%v", res.ImplicitDeps)
	}
}

// TestWholeSectionErrorsHaveALine checks that errors about the section as a whole point at the line that
// settles them.
func TestWholeSectionErrorsHaveALine(t *testing.T) {
	cases := []struct {
		lines []string
		line  int32
		key   string
	}{
		{[]string{"Type=simple", "ExecStart=/bin/a", "ExecStart=/bin/b"}, 3, "ExecStart"},
		{[]string{"Type=forking"}, 1, "Type"},
		{[]string{"Type=notify", "ExecStart=/bin/a", "ExecStart="}, 3, "ExecStart"},
		{[]string{"ExecStart=/bin/a", "Type=oneshot", "Restart=always"}, 3, "Restart"},
		{[]string{"ExecStart=/bin/a", "RestartSec=1min", "RestartSteps=2", "RestartMaxDelaySec=5"}, 4, "RestartMaxDelaySec"},
		{[]string{"ExecStart=/bin/a", "StandardInput=data"}, 2, "StandardInput"},
	}
	for _, tc := range cases {
		_, res := parse(tc.lines...)
		errs := problems(res, sdk.SeverityError)
		if len(errs) != 1 || errs[0].Line != tc.line || errs[0].Key != tc.key || errs[0].File != "/u/a.service" {
			t.Errorf("%v: %v", tc.lines, res.Problems)
		}
	}
}

func TestExecDirectivesAccumulate(t *testing.T) {
	c := clean(t, "Type=oneshot", "ExecStart=/bin/a", "ExecStart=/bin/b ; /bin/c", "ExecStartPre=/bin/x",
		"ExecStartPre=", "ExecStartPre=-/bin/y", "ExecCondition=/bin/cond", "ExecStartPost=/bin/post",
		"ExecReload=/bin/reload", "ExecStop=/bin/stop", "ExecStopPost=/bin/stoppost")
	var paths []string
	for _, cmd := range c.ExecStart {
		paths = append(paths, cmd.Path)
	}
	if strings.Join(paths, " ") != "/bin/a /bin/b /bin/c" {
		t.Errorf("ExecStart %v", paths)
	}
	if len(c.ExecStartPre) != 1 || c.ExecStartPre[0].Path != "/bin/y" || !c.ExecStartPre[0].IgnoreFailure ||
		c.ExecStartPre[0].File != "/u/a.service" || c.ExecStartPre[0].Line != 6 {
		t.Errorf("ExecStartPre %+v", c.ExecStartPre)
	}
	for name, list := range map[string][]Command{"ExecCondition": c.ExecCondition, "ExecStartPost": c.ExecStartPost,
		"ExecReload": c.ExecReload, "ExecStop": c.ExecStop, "ExecStopPost": c.ExecStopPost} {
		if len(list) != 1 {
			t.Errorf("%s: %+v", name, list)
		}
	}
	if c.ExecStart[1].Line != 3 || c.ExecStart[2].Line != 3 {
		t.Errorf("lines %+v", c.ExecStart)
	}
}
