package socket

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

func testEnv() exec.LoadEnv {
	return exec.LoadEnv{
		LookPath: func(name string) (string, bool) {
			if name == "true" || name == "sh" {
				return "/bin/" + name, true
			}
			return "", false
		},
		Memory: func() (uint64, error) { return 8 << 30, nil },
		PidMax: func() (uint64, error) { return 4194304, nil },
	}
}

// parseAs parses lines "Key=Value" of a [Socket] section written in /u/NAME, line i+1 for lines[i].
func parseAs(name string, lines ...string) (Config, *sdk.ParseResult) {
	sec := &sdk.Section{Name: "Socket"}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		sec.Entries = append(sec.Entries, &sdk.Entry{Key: k, Value: v, File: "/u/" + name, Line: int32(i + 1)})
	}
	req := &sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: name}, Sections: []*sdk.Section{sec}}
	res := &sdk.ParseResult{}
	return parseWith(req, res, testEnv()), res
}

func parse(lines ...string) (Config, *sdk.ParseResult) { return parseAs("foo.socket", lines...) }

func clean(t *testing.T, lines ...string) Config {
	t.Helper()
	c, res := parse(lines...)
	for _, p := range res.Problems {
		t.Errorf("%v: unexpected problem %s:%d %s: %s", lines, p.File, p.Line, p.Key, p.Message)
	}
	return c
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

func TestDefaults(t *testing.T) {
	c := clean(t, "ListenStream=/run/foo.sock")
	if c.Accept || c.Service != "foo.service" || c.MaxConnections != 64 || c.MaxConnectionsPerSource != 0 ||
		c.TimeoutUSec != 90e6 || c.TriggerLimitIntervalUSec != 2e6 || c.TriggerLimitBurst != 20 ||
		c.PollLimitIntervalUSec != 2e6 || c.PollLimitBurst != 15 {
		t.Errorf("%+v", c)
	}
	want := map[string]string{"Backlog": "2147483647", "SocketMode": "0666", "DirectoryMode": "0755", "FileDescriptorName": "foo.socket"}
	if !reflect.DeepEqual(c.Options, want) {
		t.Errorf("options %v", c.Options)
	}
	if c.KillMode != "control-group" || c.KillSignal != 15 || c.Exec.StandardInput != "null" {
		t.Errorf("exec/kill defaults %+v %+v", c.KillSettings, c.Exec)
	}
	c = clean(t, "ListenStream=/run/foo.sock", "Accept=yes")
	if c.Service != "" || c.TriggerLimitBurst != 200 || c.PollLimitBurst != 150 {
		t.Errorf("Accept=yes defaults %+v", c)
	}
	if c, _ := parseAs("getty@tty1.socket", "ListenFIFO=/run/x"); c.Service != "getty@tty1.service" {
		t.Errorf("instance service %q", c.Service)
	}
}

func TestListeners(t *testing.T) {
	cases := []struct {
		line, family, typ, kind, display string
	}{
		{"ListenStream=/run/a.sock", "unix", "stream", "Stream", "/run/a.sock"},
		{"ListenStream=@abstract", "unix", "stream", "Stream", "@abstract"},
		{"ListenStream=8080", "inet6", "stream", "Stream", "[::]:8080"},
		{"ListenStream= 8080 ", "inet6", "stream", "Stream", "[::]:8080"},
		{"ListenDatagram=127.0.0.1:53", "inet", "dgram", "Datagram", "127.0.0.1:53"},
		{"ListenStream=[::1]:80", "inet6", "stream", "Stream", "[::1]:80"},
		{"ListenStream=[fe80::1]:80%eth0", "inet6", "stream", "Stream", "[fe80::1]:80%eth0"},
		{"ListenSequentialPacket=/run/b", "unix", "seqpacket", "SequentialPacket", "/run/b"},
		{"ListenStream=vsock:2:1234", "vsock", "stream", "Stream", "vsock:2:1234"},
		{"ListenStream=vsock::1234", "vsock", "stream", "Stream", "vsock::1234"},
		{"ListenFIFO=/run/fifo", "fifo", "", "FIFO", "/run/fifo"},
		{"ListenNetlink=kobject-uevent 1", "netlink", "raw", "Netlink", "kobject-uevent 1"},
		{"ListenNetlink=  audit   1 ", "netlink", "raw", "Netlink", "audit 1"},
		{"ListenNetlink=15", "netlink", "raw", "Netlink", "15"},
	}
	for _, tc := range cases {
		c := clean(t, tc.line)
		if len(c.Listen) != 1 {
			t.Fatalf("%s: %+v", tc.line, c.Listen)
		}
		l := c.Listen[0]
		if l.ID != "listen0" || l.Family != tc.family || l.Type != tc.typ || l.Kind != tc.kind || l.display() != tc.display {
			t.Errorf("%s: %+v (%s)", tc.line, l, l.display())
		}
	}
	c := clean(t, "ListenStream=80", "ListenDatagram=/run/d", "ListenStream=", "ListenFIFO=/run/f", "ListenStream=/run/s")
	if len(c.Listen) != 2 || c.Listen[0].ID != "listen0" || c.Listen[0].Family != "fifo" || c.Listen[1].ID != "listen1" ||
		c.Listen[1].Address != "/run/s" {
		t.Errorf("reset and order: %+v", c.Listen)
	}
	if p := c.properties()["Listen"]; p != "/run/f (FIFO)\n/run/s (Stream)" {
		t.Errorf("Listen property %q", p)
	}
}

// TestBadValues: each line is an error naming its file, line and key; the unit does not load.
func TestBadValues(t *testing.T) {
	bad := []string{
		"ListenStream=0", "ListenStream=65536", "ListenStream=x", "ListenStream=1.2.3:80", "ListenStream=::1:80",
		"ListenStream=[::1]", "ListenStream=[1.2.3.4]:80", "ListenStream=/run/../x", "ListenStream=vsock:x:1",
		"ListenStream=vsock:1", "ListenStream=@", "ListenStream=/" + strings.Repeat("a", 200), "ListenFIFO=fifo",
		"ListenSpecial=/dev/x", "ListenNetlink=kobject-uevent x", "ListenNetlink=nosuch", "ListenNetlink=40",
		"ListenNetlink=route 1 2", "ListenMessageQueue=/q", "ListenUSBFunction=/f",
		"Accept=maybe", "Service=foo.socket", "Service=foo@.service", "Service=a b.service", "MaxConnections=0",
		"MaxConnections=-1", "MaxConnectionsPerSource=x", "Backlog=x", "SocketMode=999", "DirectoryMode=x",
		"SocketUser=a:b", "SocketGroup=-g", "BindIPv6Only=sometimes", "BindToDevice=a/b",
		"BindToDevice=averyveryverylongname", "FreeBind=2", "KeepAlive=perhaps", "KeepAliveTimeSec=x",
		"KeepAliveProbes=-1", "ReceiveBuffer=1Q", "SendBuffer=4G", "Symlinks=rel/path", "FileDescriptorName=a:b",
		"FileDescriptorName=" + strings.Repeat("n", 256), "Timestamping=ms", "TriggerLimitIntervalSec=x",
		"TriggerLimitBurst=-2", "PollLimitBurst=x", "TimeoutSec=x", "ExecStartPre=rel/x", "KillMode=x",
		"User=a:b", "StandardOutput=printer",
	}
	for _, l := range bad {
		_, res := parse("ListenStream=/run/ok.sock", l)
		// One problem naming the line: a warning (the line ignored, as systemd does) or, for the keys systemd
		// refuses a unit over (ExecStartPre=, User=), an error.
		errs := res.Problems
		k, _, _ := strings.Cut(l, "=")
		if len(errs) != 1 || errs[0].Line != 2 || errs[0].Key != k || errs[0].File != "/u/foo.socket" || errs[0].Section != "Socket" {
			t.Errorf("%s: %v", l, res.Problems)
		}
	}
	// A listener of a kind sysmaster cannot open: the unit loads, as systemd loads it, saying so.
	c, res := parse("ListenSpecial=/dev/x")
	if w := problems(res, sdk.SeverityWarning); res.Failed() || len(w) != 1 || !strings.Contains(w[0].Message, "not supported by sysmaster") ||
		len(c.Unsupported) != 1 || c.Unsupported[0] != "ListenSpecial=/dev/x" {
		t.Errorf("ListenSpecial: %+v %v", c.Unsupported, res.Problems)
	}
}

// TestWholeSectionErrors are the checks of socket_verify, pointing at the line that settles them.
func TestWholeSectionErrors(t *testing.T) {
	cases := []struct {
		lines []string
		line  int32
		key   string
	}{
		{[]string{"Accept=no"}, 0, "ListenStream"},
		{[]string{"ListenStream=/a", "ListenStream="}, 2, "ListenStream"},
		{[]string{"ListenDatagram=/a", "Accept=yes"}, 2, "Accept"},
		{[]string{"ListenFIFO=/a", "Accept=yes"}, 2, "Accept"},
		{[]string{"ListenStream=/a", "Accept=yes", "Service=bar.service"}, 3, "Service"},
		{[]string{"ListenStream=80", "Symlinks=/run/l"}, 2, "Symlinks"},
		{[]string{"ListenStream=/a", "ListenFIFO=/b", "Symlinks=/run/l"}, 3, "Symlinks"},
	}
	for _, tc := range cases {
		_, res := parse(tc.lines...)
		errs := problems(res, sdk.SeverityError)
		if len(errs) != 1 || errs[0].Line != tc.line || errs[0].Key != tc.key {
			t.Errorf("%v: %v", tc.lines, res.Problems)
		}
	}
}

func TestWarnings(t *testing.T) {
	for _, l := range []string{"Foo=bar", "DeferAcceptSec=5", "PipeSize=1M", "Writable=yes", "KillMode=none", "Environment=1X=y"} {
		_, res := parse("ListenStream=/run/a", l)
		w := problems(res, sdk.SeverityWarning)
		k, _, _ := strings.Cut(l, "=")
		if res.Failed() || len(w) != 1 || w[0].Key != k || w[0].Line != 2 {
			t.Errorf("%s: %v", l, res.Problems)
		}
	}
}

func TestOptions(t *testing.T) {
	c := clean(t, "ListenStream=/run/a.sock", "Backlog=128", "SocketMode=0600", "DirectoryMode=700", "SocketUser=www",
		"SocketGroup=42", "BindIPv6Only=ipv6-only", "BindToDevice=eth0", "FreeBind=true", "Transparent=0",
		"ReusePort=yes", "KeepAlive=on", "KeepAliveTimeSec=2min", "KeepAliveIntervalSec=75", "KeepAliveProbes=9",
		"NoDelay=yes", "ReceiveBuffer=4K", "SendBuffer=1M", "PassCredentials=yes", "PassSecurity=no",
		"Symlinks=/run/x /run/y", "Symlinks=/run/x", "RemoveOnStop=yes", "FileDescriptorName=web", "Timestamping=nsec",
		"MaxConnections=10", "MaxConnectionsPerSource=2", "TriggerLimitIntervalSec=5s", "TriggerLimitBurst=3",
		"PollLimitIntervalSec=0", "PollLimitBurst=4", "TimeoutSec=infinity")
	want := map[string]string{
		"Backlog": "128", "SocketMode": "0600", "DirectoryMode": "0700", "SocketUser": "www", "SocketGroup": "42",
		"BindIPv6Only": "ipv6-only", "BindToDevice": "eth0", "FreeBind": "yes", "Transparent": "no", "ReusePort": "yes",
		"KeepAlive": "yes", "KeepAliveTimeSec": "120", "KeepAliveIntervalSec": "75", "KeepAliveProbes": "9",
		"NoDelay": "yes", "ReceiveBuffer": "4096", "SendBuffer": "1048576", "PassCredentials": "yes",
		"PassSecurity": "no", "Symlinks": "/run/x /run/y", "RemoveOnStop": "yes", "FileDescriptorName": "web",
		"Timestamping": "ns",
	}
	if !reflect.DeepEqual(c.Options, want) {
		t.Errorf("options\n got %v\nwant %v", c.Options, want)
	}
	if c.MaxConnections != 10 || c.MaxConnectionsPerSource != 2 || c.TriggerLimitIntervalUSec != 5e6 ||
		c.TriggerLimitBurst != 3 || c.PollLimitIntervalUSec != 0 || c.PollLimitBurst != 4 || c.TimeoutUSec != 0 {
		t.Errorf("%+v", c)
	}
	// Empty assignments restore the defaults.
	c = clean(t, "ListenStream=/run/a.sock", "Backlog=1", "Backlog=", "FreeBind=yes", "FreeBind=", "Symlinks=/a",
		"Symlinks=", "FileDescriptorName=x", "FileDescriptorName=", "SocketUser=u", "SocketUser=", "Timestamping=us",
		"Timestamping=", "MaxConnections=3", "MaxConnections=", "TriggerLimitBurst=1", "TriggerLimitBurst=")
	if !reflect.DeepEqual(c.Options, map[string]string{"Backlog": "2147483647", "SocketMode": "0666",
		"DirectoryMode": "0755", "FileDescriptorName": "foo.socket"}) || c.MaxConnections != 64 || c.TriggerLimitBurst != 20 {
		t.Errorf("resets: %v %+v", c.Options, c)
	}
}

func TestExecAndKill(t *testing.T) {
	c := clean(t, "ListenStream=/run/a", "ExecStartPre=-/bin/pre a", "ExecStartPre=true", "ExecStartPost=/bin/post",
		"ExecStopPre=/bin/stoppre", "ExecStopPost=/bin/stoppost", "User=nobody", "Environment=A=1", "KillMode=mixed",
		"KillSignal=SIGINT", "SendSIGKILL=no", "MemoryMax=1G")
	if len(c.ExecStartPre) != 2 || !c.ExecStartPre[0].IgnoreFailure || c.ExecStartPre[1].Path != "/bin/true" ||
		len(c.ExecStartPost) != 1 || len(c.ExecStopPre) != 1 || len(c.ExecStopPost) != 1 {
		t.Errorf("commands %+v", c)
	}
	if c.Exec.User != "nobody" || !slices.Equal(c.Exec.Environment, []string{"A=1"}) || c.KillMode != "mixed" ||
		c.KillSignal != 2 || c.RestartKillSignal != 2 || c.SendSIGKILL || c.Cgroup.MemoryMax != 1<<30 {
		t.Errorf("exec/kill %+v %+v", c.Exec, c.KillSettings)
	}
}

func TestDependencies(t *testing.T) {
	deps := func(res *sdk.ParseResult, implicit bool) map[string][]string {
		out := map[string][]string{}
		list := res.DefaultDeps
		if implicit {
			list = res.ImplicitDeps
		}
		for _, d := range list {
			out[d.Kind] = append(out[d.Kind], d.Units...)
		}
		return out
	}
	sec := func(lines ...string) []*sdk.Section {
		s := &sdk.Section{Name: "Socket"}
		for _, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			s.Entries = append(s.Entries, &sdk.Entry{Key: k, Value: v})
		}
		return []*sdk.Section{s}
	}
	res := socketType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "foo.socket"}, Sections: sec("ListenStream=80")})
	if got := deps(res, true); !reflect.DeepEqual(got, map[string][]string{"Before": {"foo.service"}, "Triggers": {"foo.service"}}) {
		t.Errorf("implicit %v", got)
	}
	want := map[string][]string{"Requires": {"sysinit.target"}, "After": {"sysinit.target"},
		"Before": {"sockets.target", "shutdown.target"}, "Conflicts": {"shutdown.target"}}
	if got := deps(res, false); !reflect.DeepEqual(got, want) {
		t.Errorf("default %v", got)
	}
	res = socketType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "foo.socket"}, Sections: sec("ListenStream=80", "Service=bar.service")})
	if got := deps(res, true); !reflect.DeepEqual(got["Triggers"], []string{"bar.service"}) {
		t.Errorf("Service=: %v", got)
	}
	res = socketType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "foo.socket"}, Sections: sec("ListenStream=80", "Accept=yes")})
	if len(res.ImplicitDeps) != 0 || len(res.DefaultDeps) != 5 {
		t.Errorf("Accept=yes: %v %v", res.ImplicitDeps, res.DefaultDeps)
	}
	if res.Properties["Accept"] != "yes" || res.Properties["Listen"] != "[::]:80 (Stream)" {
		t.Errorf("properties %v", res.Properties)
	}
}

func TestProperties(t *testing.T) {
	c := clean(t, "ListenStream=/run/a", "ListenDatagram=53", "KeepAliveTimeSec=90", "Backlog=5", "RemoveOnStop=yes")
	p := c.properties()
	want := map[string]string{
		"Listen": "/run/a (Stream)\n[::]:53 (Datagram)", "Accept": "no", "NAccepted": "0", "NConnections": "0",
		"NRefused": "0", "Result": "success", "Backlog": "5", "SocketMode": "0666", "DirectoryMode": "0755",
		"MaxConnections": "64", "MaxConnectionsPerSource": "0", "KeepAlive": "no", "KeepAliveTimeUSec": "1min 30s",
		"KeepAliveIntervalUSec": "0", "KeepAliveProbes": "0", "TriggerLimitIntervalUSec": "2s",
		"TriggerLimitBurst": "20", "PollLimitIntervalUSec": "2s", "PollLimitBurst": "15",
		"FileDescriptorName": "foo.socket", "RemoveOnStop": "yes", "Symlinks": "", "Timestamping": "off",
		"TimeoutUSec": "1min 30s", "BindIPv6Only": "default", "KillMode": "control-group", "User": "",
		"ExecStartPre": "",
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s=%q, want %q", k, p[k], v)
		}
	}
}
