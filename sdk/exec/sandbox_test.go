package exec

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

func TestSandboxParse(t *testing.T) {
	x, _, _, res := parseLines(
		"ProtectSystem=strict", "ProtectHome=read-only", "PrivateDevices=yes", "PrivateNetwork=true",
		"ReadWritePaths=/var/lib/a -/var/lib/b", "ReadWritePaths=-+/c", "ReadOnlyPaths=/etc/x", "InaccessiblePaths=-/root",
		"NoExecPaths=/", "ExecPaths=/usr/bin /usr/lib",
		"TemporaryFileSystem=/var:ro,mode=0700 /tmp", "BindPaths=/a -/b:/c /d:/e:norbind", "BindReadOnlyPaths=/f",
		"MountFlags=private", "ProtectProc=invisible", "ProcSubset=pid", "ProtectKernelTunables=yes",
		"SystemCallFilter=~@mount:EACCES reboot", "SystemCallErrorNumber=EPERM", "SystemCallArchitectures=native",
		"RestrictAddressFamilies=AF_UNIX AF_INET", "RestrictAddressFamilies=~AF_INET", "RestrictNamespaces=~user net",
		"MemoryDenyWriteExecute=yes")
	if len(res.Problems) != 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	sb := x.Exec.Sandbox
	if sb == nil || sb.ProtectSystem != "strict" || sb.ProtectHome != "read-only" || !sb.PrivateDevices || !sb.PrivateNetwork ||
		sb.MountFlags != "private" || sb.ProtectProc != "invisible" || sb.ProcSubset != "pid" || !sb.ProtectKernelTunables ||
		!sb.SyscallArchNative || !sb.MemoryDenyWriteExec {
		t.Fatalf("%+v", sb)
	}
	wantPaths := []sdk.PathRule{{Kind: "read-write", Path: "/var/lib/a"}, {Kind: "read-write", Path: "/var/lib/b", Optional: true},
		{Kind: "read-write", Path: "/c", Optional: true, RootRelative: true}, {Kind: "read-only", Path: "/etc/x"},
		{Kind: "inaccessible", Path: "/root", Optional: true}, {Kind: "exec", Path: "/usr/bin"}, {Kind: "exec", Path: "/usr/lib"},
		{Kind: "no-exec", Path: "/"}}
	if !reflect.DeepEqual(sb.Paths, wantPaths) {
		t.Errorf("paths %+v", sb.Paths)
	}
	if !reflect.DeepEqual(sb.TemporaryFileSystems, []sdk.TmpfsMount{{Path: "/var", Options: "ro,mode=0700"}, {Path: "/tmp"}}) {
		t.Errorf("tmpfs %+v", sb.TemporaryFileSystems)
	}
	wantBinds := []sdk.BindMount{{Source: "/a", Destination: "/a"}, {Source: "/b", Destination: "/c", Optional: true},
		{Source: "/d", Destination: "/e", NonRecursive: true}, {Source: "/f", Destination: "/f", ReadOnly: true}}
	if !reflect.DeepEqual(sb.Binds, wantBinds) {
		t.Errorf("binds %+v", sb.Binds)
	}
	f := sb.SyscallFilter
	if f == nil || f.AllowList || f.DefaultErrno != 1 || !slices.Contains(f.Names, "mount") || !slices.Contains(f.Names, "reboot") ||
		f.Errnos["mount"] != 13 || f.Errnos["reboot"] != 0 {
		t.Errorf("filter %+v", f)
	}
	if !sb.AddressFamiliesSet || !sb.AddressFamiliesAllow || !reflect.DeepEqual(sb.AddressFamilies, []int32{1}) {
		t.Errorf("families %v allow %v", sb.AddressFamilies, sb.AddressFamiliesAllow)
	}
	if !sb.RestrictNamespacesSet || sb.NamespacesAllowed != allNamespaceTypes()&^(namespaceTypes["user"]|namespaceTypes["net"]) {
		t.Errorf("namespaces %#x", sb.NamespacesAllowed)
	}
}

func TestSystemCallFilterMerging(t *testing.T) {
	// An allow list starts from @default; a later "~" takes out of it.
	x, _, _, _ := parseLines("SystemCallFilter=@system-service", "SystemCallFilter=~@resources write")
	f := x.Exec.Sandbox.SyscallFilter
	if !f.AllowList || !slices.Contains(f.Names, "read") || !slices.Contains(f.Names, "execve") ||
		slices.Contains(f.Names, "write") || slices.Contains(f.Names, "setrlimit") || slices.Contains(f.Names, "mount") {
		t.Errorf("%+v", f)
	}
	// An empty assignment resets; the next one decides the mode again.
	x, _, _, _ = parseLines("SystemCallFilter=read", "SystemCallFilter=", "SystemCallFilter=~mount")
	f = x.Exec.Sandbox.SyscallFilter
	if f.AllowList || !reflect.DeepEqual(f.Names, []string{"mount"}) {
		t.Errorf("%+v", f)
	}
}

func TestSandboxBadInput(t *testing.T) {
	// Unknown system calls and families are warnings, and ignored, as in systemd.
	x, _, _, res := parseLines("SystemCallFilter=~mount nosuchcall @nosuchset", "RestrictAddressFamilies=AF_UNIX AF_NOPE")
	if res.Failed() || len(res.Problems) != 3 {
		t.Fatalf("%v", res.Problems)
	}
	for _, p := range res.Problems {
		if p.Severity != sdk.SeverityWarning || p.File != "/u/a.test" || p.Line == 0 {
			t.Errorf("%+v", p)
		}
	}
	if f := x.Exec.Sandbox.SyscallFilter; !reflect.DeepEqual(f.Names, []string{"mount"}) {
		t.Errorf("%+v", f)
	}
	// Bad paths and values are errors naming file and line, and change nothing.
	for _, l := range []string{"ReadOnlyPaths=relative", "ReadWritePaths=/a/../b", "BindPaths=/a:rel", "BindPaths=/a:/b:bogus",
		"TemporaryFileSystem=x:ro", "ProtectSystem=sometimes", "ProtectHome=maybe", "MountFlags=rshared",
		"SystemCallErrorNumber=ENOPE", "SystemCallFilter=~mount:ENOPE", "RestrictNamespaces=net bogus", "ProtectProc=all", "KeyringMode=public"} {
		x, _, _, res := parseLines("Nice=1", l)
		if !res.Failed() || len(res.Problems) != 1 || res.Problems[0].Line != 2 || res.Problems[0].File != "/u/a.test" ||
			!strings.Contains(res.Problems[0].Message, strings.SplitN(l, "=", 2)[0]) {
			t.Errorf("%s: %v", l, res.Problems)
		}
		if sb := x.Exec.Sandbox; sb != nil && (len(sb.Paths) > 0 || len(sb.Binds) > 0 || sb.ProtectSystem != "" ||
			sb.SyscallFilter != nil || sb.RestrictNamespacesSet) {
			t.Errorf("%s changed the sandbox: %+v", l, sb)
		}
	}
	// A foreign architecture is not enforced, and said so.
	x, _, _, res = parseLines("SystemCallArchitectures=native x86")
	if x.Exec.Sandbox.SyscallArchNative || len(res.Problems) != 1 || res.Problems[0].Severity != sdk.SeverityWarning {
		t.Errorf("%v %+v", res.Problems, x.Exec.Sandbox)
	}
}

func TestNoSandboxWithoutKeys(t *testing.T) {
	if x, _, _, _ := parseLines("User=a"); x.Exec.Sandbox != nil {
		t.Errorf("%+v", x.Exec.Sandbox)
	}
}

func FuzzSandboxParse(f *testing.F) {
	for _, s := range []string{"ReadWritePaths=-+/a /b", "BindPaths=-/a:/b:norbind", "TemporaryFileSystem=/v:ro",
		"SystemCallFilter=~@mount:EPERM", "SystemCallFilter=@system-service", "RestrictAddressFamilies=~AF_INET",
		"RestrictNamespaces=~net", "ProtectSystem=strict", "SystemCallArchitectures=native", "CPUAffinity=0-3,5",
		"IOSchedulingClass=idle", "SystemCallLog=~@clock uname", "PrivateUsers=yes", "TTYRows=40", "UtmpMode=login"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if !strings.Contains(line, "=") {
			return
		}
		x, _, _, _ := parseLines(line)
		sb := x.Exec.Sandbox
		if sb == nil {
			return
		}
		for _, p := range sb.Paths {
			if !NormalPath(p.Path) {
				t.Fatalf("%q: path %q", line, p.Path)
			}
		}
		for _, b := range sb.Binds {
			if !NormalPath(b.Source) || !NormalPath(b.Destination) {
				t.Fatalf("%q: bind %+v", line, b)
			}
		}
		if sb.SyscallFilter != nil {
			for _, n := range sb.SyscallFilter.Names {
				if strings.HasPrefix(n, "@") || n == "" {
					t.Fatalf("%q: name %q", line, n)
				}
			}
		}
	})
}

func TestUnenforcedReportedOnce(t *testing.T) {
	x, _, _, res := parseLines("DynamicUser=yes", "DynamicUser=no", "SecureBits=keep-caps", "ProtectSystem=yes")
	if len(res.Problems) != 2 || res.Failed() || !strings.Contains(res.Problems[0].Message, "not enforced") {
		t.Fatalf("%v", res.Problems)
	}
	if !reflect.DeepEqual(x.Unenforced, []string{"DynamicUser", "SecureBits"}) {
		t.Errorf("%v", x.Unenforced)
	}
	p := map[string]string{}
	x.Properties(p)
	if p["UnenforcedDirectives"] != "DynamicUser= SecureBits=" || p["ProtectSystem"] != "yes" {
		t.Errorf("%q %q", p["UnenforcedDirectives"], p["ProtectSystem"])
	}
}

func TestIOSchedulingAndCPUAffinity(t *testing.T) {
	for _, c := range []struct {
		lines  []string
		ioprio int32
		set    bool
	}{
		{nil, 0, false},
		{[]string{"IOSchedulingClass=idle"}, 3 << 13, true},
		{[]string{"IOSchedulingClass=realtime", "IOSchedulingPriority=1"}, 1<<13 | 1, true},
		{[]string{"IOSchedulingPriority=7"}, 2<<13 | 7, true},
		{[]string{"IOSchedulingClass=none"}, 2<<13 | 4, true},
		{[]string{"IOSchedulingClass=best-effort", "IOSchedulingClass="}, 0, false},
	} {
		x, _, _, res := parseLines(append([]string{"Nice=0"}, c.lines...)...)
		if res.Failed() || x.Exec.IOPrio != c.ioprio || x.Exec.IOPrioSet != c.set {
			t.Errorf("%v: %#x %v %v", c.lines, x.Exec.IOPrio, x.Exec.IOPrioSet, res.Problems)
		}
	}
	x, _, _, res := parseLines("CPUAffinity=0-2 5", "CPUAffinity=1,7")
	if res.Failed() || !reflect.DeepEqual(x.Exec.CPUAffinity, []uint32{0, 1, 2, 5, 7}) {
		t.Errorf("%v %v", x.Exec.CPUAffinity, res.Problems)
	}
	for _, l := range []string{"CPUAffinity=3-1", "CPUAffinity=x", "CPUAffinity=9000", "IOSchedulingClass=fast", "IOSchedulingPriority=8"} {
		if _, _, _, res := parseLines(l); !res.Failed() || res.Problems[0].Line != 1 {
			t.Errorf("%s: %v", l, res.Problems)
		}
	}
}

func TestSystemCallLogMerging(t *testing.T) {
	// An allow list logs its names only (no @default); "~" later takes out of it; unknown names are warnings.
	x, _, _, res := parseLines("SystemCallLog=@clock uname nosuchcall", "SystemCallLog=~settimeofday", "PrivateUsers=yes")
	sb := x.Exec.Sandbox
	if !sb.SyscallLogSet || !sb.SyscallLogAllow || !slices.Contains(sb.SyscallLog, "uname") ||
		!slices.Contains(sb.SyscallLog, "clock_settime") || slices.Contains(sb.SyscallLog, "settimeofday") ||
		slices.Contains(sb.SyscallLog, "read") || !sb.PrivateUsers {
		t.Errorf("%+v", sb)
	}
	if len(res.Problems) != 1 || res.Problems[0].Severity != sdk.SeverityWarning {
		t.Errorf("%v", res.Problems)
	}
	// A deny list logs everything but its names; an empty assignment resets.
	x, _, _, _ = parseLines("SystemCallLog=uname", "SystemCallLog=", "SystemCallLog=~read write")
	sb = x.Exec.Sandbox
	if !sb.SyscallLogSet || sb.SyscallLogAllow || !reflect.DeepEqual(sb.SyscallLog, []string{"read", "write"}) {
		t.Errorf("%+v", sb)
	}
}
