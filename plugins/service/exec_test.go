package service

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

func TestExecDirectives(t *testing.T) {
	c := clean(t, "ExecStart=/bin/true", "User=www-data", "Group=1000", "SupplementaryGroups=a b",
		"SupplementaryGroups=c a", "WorkingDirectory=-~", "RootDirectory=/srv/root", "UMask=0077", "Nice=-5",
		"OOMScoreAdjust=-1000", "CPUSchedulingPolicy=fifo", "CPUSchedulingPriority=50", "NoNewPrivileges=yes",
		"PrivateTmp=true", "TTYPath=/dev/tty3", "SyslogIdentifier=hello")
	x := c.Exec
	if x.User != "www-data" || x.Group != "1000" || !reflect.DeepEqual(x.SupplementaryGroups, []string{"a", "b", "c"}) ||
		x.WorkingDirectory != "-~" || x.RootDirectory != "/srv/root" || x.UMask != 0o077 || x.Nice != -5 ||
		!x.NiceSet || x.OOMScoreAdjust != -1000 || !x.OOMScoreAdjustSet || x.CPUSchedulingPolicy != "fifo" ||
		x.CPUSchedulingPriority != 50 || !x.NoNewPrivileges || !x.PrivateTmp || x.TTYPath != "/dev/tty3" ||
		x.SyslogIdentifier != "hello" {
		t.Errorf("%+v", x)
	}
	for _, wd := range []string{"~", "/var/lib/x", "-/nonexistent", ""} {
		if c := clean(t, "ExecStart=/bin/true", "WorkingDirectory="+wd); c.Exec.WorkingDirectory != wd {
			t.Errorf("WorkingDirectory=%s: %q", wd, c.Exec.WorkingDirectory)
		}
	}
	c = clean(t, "ExecStart=/bin/true", "Nice=3", "Nice=", "UMask=0", "SupplementaryGroups=a", "SupplementaryGroups=")
	if c.Exec.NiceSet || c.Exec.UMask != 0 || c.Exec.SupplementaryGroups != nil {
		t.Errorf("resets: %+v", c.Exec)
	}
	if c := clean(t, "ExecStart=/bin/true", "UMask=0027", "UMask="); c.Exec.UMask != 0o022 {
		t.Errorf("UMask reset: %o", c.Exec.UMask)
	}
}

func TestLimits(t *testing.T) {
	inf := uint64(math.MaxUint64)
	cases := []struct {
		line       string
		key        string
		soft, hard uint64
	}{
		{"LimitNOFILE=1024", "NOFILE", 1024, 1024},
		{"LimitNOFILE=1024:524288", "NOFILE", 1024, 524288},
		{"LimitNOFILE=infinity", "NOFILE", inf, inf},
		{"LimitNOFILE=1024:infinity", "NOFILE", 1024, inf},
		{"LimitNPROC=100", "NPROC", 100, 100},
		{"LimitLOCKS=7", "LOCKS", 7, 7},
		{"LimitSIGPENDING=9", "SIGPENDING", 9, 9},
		{"LimitRTPRIO=50", "RTPRIO", 50, 50},
		{"LimitCORE=0", "CORE", 0, 0},
		{"LimitCORE=infinity", "CORE", inf, inf},
		{"LimitFSIZE=1G", "FSIZE", 1 << 30, 1 << 30},
		{"LimitDATA=512M:1G", "DATA", 512 << 20, 1 << 30},
		{"LimitSTACK=8M", "STACK", 8 << 20, 8 << 20},
		{"LimitRSS=4096", "RSS", 4096, 4096},
		{"LimitAS=2T", "AS", 2 << 40, 2 << 40},
		{"LimitMEMLOCK=64K", "MEMLOCK", 64 << 10, 64 << 10},
		{"LimitMSGQUEUE=800K", "MSGQUEUE", 800 << 10, 800 << 10},
		{"LimitCPU=30", "CPU", 30, 30},
		{"LimitCPU=1min:2min", "CPU", 60, 120},
		{"LimitCPU=500ms", "CPU", 1, 1},
		{"LimitCPU=infinity", "CPU", inf, inf},
		{"LimitRTTIME=1000", "RTTIME", 1000, 1000},
		{"LimitRTTIME=1s", "RTTIME", 1000000, 1000000},
		{"LimitNICE=40", "NICE", 40, 40},
		{"LimitNICE=+5", "NICE", 15, 15},
		{"LimitNICE=-20", "NICE", 40, 40},
		{"LimitNICE=0:+19", "NICE", 0, 1},
	}
	for _, tc := range cases {
		c := clean(t, "ExecStart=/bin/true", tc.line)
		got := c.Exec.Limits[tc.key]
		if len(c.Exec.Limits) != 1 || got == nil || got.Soft != tc.soft || got.Hard != tc.hard {
			t.Errorf("%s: %v", tc.line, c.Exec.Limits)
		}
	}
	c := clean(t, "ExecStart=/bin/true", "LimitNOFILE=5", "LimitCORE=0", "LimitNOFILE=", "LimitNOFILE=6")
	if want := map[string]*sdk.Rlimit{"NOFILE": {Soft: 6, Hard: 6}, "CORE": {}}; len(c.Exec.Limits) != 2 ||
		c.Exec.Limits["NOFILE"].Soft != 6 || c.Exec.Limits["CORE"].Hard != 0 {
		t.Errorf("got %v want %v", c.Exec.Limits, want)
	}
	if c := clean(t, "ExecStart=/bin/true", "LimitNOFILE=5", "LimitNOFILE="); len(c.Exec.Limits) != 0 {
		t.Errorf("reset: %v", c.Exec.Limits)
	}
	n := 0
	for _, k := range exec.Keys() {
		if strings.HasPrefix(k, "Limit") {
			n++
		}
	}
	if n != 16 {
		t.Errorf("%d Limit*= keys, want 16", n)
	}
}

func TestCapabilities(t *testing.T) {
	cases := []struct {
		lines         []string
		bounding      []string
		none          bool
		ambient       []string
		boundingUnset bool
	}{
		{nil, nil, false, nil, true},
		{[]string{"CapabilityBoundingSet=CAP_NET_ADMIN cap_chown"}, []string{"CAP_CHOWN", "CAP_NET_ADMIN"}, false, nil, false},
		{[]string{"CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet=KILL"}, []string{"CAP_CHOWN", "CAP_KILL"}, false, nil, false},
		{[]string{"CapabilityBoundingSet=CAP_CHOWN CAP_KILL", "CapabilityBoundingSet=~CAP_KILL"}, []string{"CAP_CHOWN"}, false, nil, false},
		{[]string{"CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet="}, nil, true, nil, false},
		{[]string{"AmbientCapabilities=CAP_NET_BIND_SERVICE", "AmbientCapabilities=CAP_SYS_TIME"}, nil, false,
			[]string{"CAP_NET_BIND_SERVICE", "CAP_SYS_TIME"}, true},
		{[]string{"AmbientCapabilities=CAP_NET_BIND_SERVICE", "AmbientCapabilities="}, nil, false, nil, true},
	}
	for _, tc := range cases {
		c := clean(t, append([]string{"ExecStart=/bin/true"}, tc.lines...)...)
		if !reflect.DeepEqual(c.Exec.CapabilityBoundingSet, tc.bounding) || c.NoCapabilities != tc.none ||
			!reflect.DeepEqual(c.Exec.AmbientCapabilities, tc.ambient) {
			t.Errorf("%v: bounding %v none %v ambient %v", tc.lines, c.Exec.CapabilityBoundingSet, c.NoCapabilities,
				c.Exec.AmbientCapabilities)
		}
	}
	c := clean(t, "ExecStart=/bin/true", "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_MODULE")
	if len(c.Exec.CapabilityBoundingSet) != numCapabilities-2 || slices.Contains(c.Exec.CapabilityBoundingSet, "CAP_SYS_ADMIN") {
		t.Errorf("inverted: %v", c.Exec.CapabilityBoundingSet)
	}
	c = clean(t, "ExecStart=/bin/true", "CapabilityBoundingSet=~")
	if len(c.Exec.CapabilityBoundingSet) != numCapabilities {
		t.Errorf("~ alone: %v", c.Exec.CapabilityBoundingSet)
	}
}

func TestStdio(t *testing.T) {
	cases := []struct {
		lines           []string
		in, out, errout string
		data            string
	}{
		{nil, "null", "journal", "inherit", ""},
		{[]string{"StandardInput=tty"}, "tty", "inherit", "inherit", ""},
		{[]string{"StandardInput=tty-force", "StandardOutput=null"}, "tty-force", "null", "inherit", ""},
		{[]string{"StandardInput=socket"}, "socket", "inherit", "inherit", ""},
		{[]string{"StandardInput=fd"}, "fd:stdin", "inherit", "inherit", ""},
		{[]string{"StandardInput=fd:foo", "StandardOutput=fd", "StandardError=fd"}, "fd:foo", "fd:stdout", "fd:stderr", ""},
		{[]string{"StandardInput=file:/dev/zero", "StandardOutput=append:/var/log/a", "StandardError=truncate:/var/log/b"},
			"file:/dev/zero", "append:/var/log/a", "truncate:/var/log/b", ""},
		{[]string{"StandardOutput=file:/x", "StandardError=kmsg"}, "null", "file:/x", "kmsg", ""},
		{[]string{"StandardOutput=journal+console", "StandardError=kmsg+console"}, "null", "journal+console", "kmsg+console", ""},
		{[]string{"StandardOutput=tty", "StandardError=null", "StandardError="}, "null", "tty", "inherit", ""},
		{[]string{"StandardOutput=socket", "StandardError=socket"}, "null", "socket", "socket", ""},
		{[]string{"StandardInputText=hello", `StandardInputText=\tworld`}, "data", "journal", "inherit", "hello\n\tworld\n"},
		{[]string{"StandardInputData=aGVs bG8=", "StandardInput=data"}, "data", "journal", "inherit", "hello"},
		{[]string{"StandardInputText=x", "StandardInputText=", "StandardInputData=eQ=="}, "data", "journal", "inherit", "y"},
		{[]string{"StandardInputText=x", "StandardInput=null"}, "null", "journal", "inherit", "x\n"},
	}
	for _, tc := range cases {
		c := clean(t, append([]string{"ExecStart=/bin/true"}, tc.lines...)...)
		x := c.Exec
		if x.StandardInput != tc.in || x.StandardOutput != tc.out || x.StandardError != tc.errout || string(x.StandardInputData) != tc.data {
			t.Errorf("%v: in %q out %q err %q data %q", tc.lines, x.StandardInput, x.StandardOutput, x.StandardError, x.StandardInputData)
		}
	}
	c, res := parse("ExecStart=/bin/true", "StandardOutput=syslog+console")
	if c.Exec.StandardOutput != "journal+console" || res.Failed() {
		t.Errorf("syslog: %q %v", c.Exec.StandardOutput, res.Problems)
	}
	if _, res := parse("ExecStart=/bin/true", "StandardInput=data"); !res.Failed() {
		t.Errorf("StandardInput=data without data loaded")
	}
}

func TestDirectories(t *testing.T) {
	c := clean(t, "ExecStart=/bin/true", "RuntimeDirectory=foo foo/bar", "RuntimeDirectory=baz foo",
		"RuntimeDirectoryMode=0700", "StateDirectory=s", "CacheDirectory=c", "LogsDirectory=l", "LogsDirectoryMode=0750",
		"ConfigurationDirectory=e", "ConfigurationDirectory=", "RuntimeDirectoryPreserve=yes")
	d := c.Exec.Directories
	if len(d) != 4 || !reflect.DeepEqual(d["runtime"].Paths, []string{"foo", "foo/bar", "baz"}) || d["runtime"].Mode != 0o700 ||
		!d["runtime"].Preserve || d["state"].Mode != 0o755 || d["state"].Preserve || d["logs"].Mode != 0o750 ||
		!reflect.DeepEqual(d["cache"].Paths, []string{"c"}) || c.RuntimeDirectoryPreserve != "yes" {
		t.Errorf("%v", d)
	}
	for v, want := range map[string]string{"restart": "restart", "no": "no", "": "no", "true": "yes"} {
		c := clean(t, "ExecStart=/bin/true", "RuntimeDirectory=r", "RuntimeDirectoryPreserve="+v)
		if c.RuntimeDirectoryPreserve != want || c.Exec.Directories["runtime"].Preserve != (want == "yes") {
			t.Errorf("RuntimeDirectoryPreserve=%s: %q %v", v, c.RuntimeDirectoryPreserve, c.Exec.Directories["runtime"])
		}
	}
	if c := clean(t, "ExecStart=/bin/true", "StateDirectoryMode=0700"); c.Exec.Directories != nil {
		t.Errorf("mode without paths: %v", c.Exec.Directories)
	}
}

// numCapabilities is how many capabilities sdk/exec knows (CAP_CHOWN … CAP_CHECKPOINT_RESTORE).
const numCapabilities = 41
