package exec

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/exec/executor"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/seccomp"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// probePrelude is the Python every sandbox probe starts with: helpers that check an error from inside.
const probePrelude = `
import ctypes, errno, mmap, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
def fails(fn, want, what):
    try:
        fn()
    except OSError as e:
        if e.errno != want:
            sys.exit("%s: errno %s, want %s" % (what, errno.errorcode.get(e.errno), errno.errorcode[want]))
        return
    sys.exit("%s: succeeded, want %s" % (what, errno.errorcode[want]))
def write(p):
    with open(p, "w") as f:
        f.write("x")
def call(rc):
    if rc < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return rc
def mount():
    call(libc.mount(b"tmpfs", b"/mnt", b"tmpfs", 0, None))
`

// probe runs a Python script (after probePrelude) in the sandbox.
func probe(script string, ec *pb.ExecContext) *pb.Spawn {
	if ec.Umask == 0 {
		ec.Umask = -1
	}
	return &pb.Spawn{Id: "probe", Path: "/usr/bin/python3", Argv: []string{"python3", "-c", probePrelude + script}, Exec: ec}
}

func TestSandbox(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Fatalf("the sandbox probes need python3: %v", err)
	}
	state := fmt.Sprintf("sysmaster-sandbox-test-%d", os.Getpid())
	bindSrc := t.TempDir()
	os.WriteFile(filepath.Join(bindSrc, "f"), []byte("bound"), 0o644)
	os.WriteFile(filepath.Join(bindSrc, "run.sh"), []byte("#!/bin/sh\nexit 0\n"), 0o755)
	t.Cleanup(func() {
		os.RemoveAll("/var/lib/" + state)
		os.RemoveAll("/var/lib/" + state + "-userns")
		os.Remove("/mnt/sysmaster-bind-test")
	})
	tests := []struct {
		name   string
		script string
		ec     *pb.ExecContext
		status int    // expected exit status
		signal int    // or the signal that killed it
		step   string // and the failure step
		msg    string
		// invocation runs the probe with an invocation ID: PrivateTmp= binds the shared directories.
		invocation bool
	}{
		{name: "ProtectSystem=strict", script: `
fails(lambda: write("/usr/sysmaster-x"), errno.EROFS, "/usr")
fails(lambda: write("/etc/sysmaster-x"), errno.EROFS, "/etc")
fails(lambda: write("/var/sysmaster-x"), errno.EROFS, "/var")
write(os.environ["STATE_DIRECTORY"] + "/ok")
write("/dev/null")
open("/proc/self/oom_score_adj", "w").write("0")
`, ec: &pb.ExecContext{User: "nobody", Sandbox: &pb.Sandbox{ProtectSystem: "strict"},
			Directories: map[string]*pb.DirectorySet{"state": {Paths: []string{state}}}}},
		{name: "ProtectSystem=strict as root, with ReadWritePaths= and PrivateTmp=", script: `
fails(lambda: write("/usr/sysmaster-x"), errno.EROFS, "/usr")
fails(lambda: write("/etc/sysmaster-x"), errno.EROFS, "/etc")
write("/tmp/x"); write("/var/tmp/x"); write("/var/lib/` + state + `/rw"); write("/mnt/bound")
assert os.path.exists("/var/lib/` + state + `/bound")
`, ec: &pb.ExecContext{PrivateTmp: true, Sandbox: &pb.Sandbox{ProtectSystem: "strict",
			Paths: []*pb.PathRule{{Kind: "read-write", Path: "/var/lib/" + state}},
			Binds: []*pb.BindMount{{Source: "/var/lib/" + state, Destination: "/mnt"}}}}},
		{name: "ProtectSystem=strict with PrivateTmp= of an invocation", script: `
write("/tmp/x"); write("/var/tmp/x")
`, ec: &pb.ExecContext{PrivateTmp: true, Sandbox: &pb.Sandbox{ProtectSystem: "strict"}}, invocation: true},
		{name: "ProtectSystem=full", script: `
fails(lambda: write("/usr/sysmaster-x"), errno.EROFS, "/usr")
fails(lambda: write("/etc/sysmaster-x"), errno.EROFS, "/etc")
write("` + bindSrc + `/full")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{ProtectSystem: "full"}}},
		{name: "ProtectHome=yes as root", script: `
assert os.listdir("/home") == [] and os.listdir("/root") == [], (os.listdir("/home"), os.listdir("/root"))
fails(lambda: write("/home/x"), errno.EROFS, "/home")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{ProtectHome: "yes"}}},
		{name: "ProtectHome=yes inside ProtectSystem=strict, with InaccessiblePaths=", script: `
assert os.listdir("/home") == [] and os.listdir("/var/lib/` + state + `") == []
fails(lambda: write("/usr/sysmaster-x"), errno.EROFS, "/usr")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{ProtectSystem: "strict", ProtectHome: "yes",
			Paths: []*pb.PathRule{{Kind: "inaccessible", Path: "/var/lib/" + state}}}}},
		{name: "ProtectHome=yes as nobody", script: `
fails(lambda: os.listdir("/home"), errno.EACCES, "/home")
fails(lambda: os.listdir("/root"), errno.EACCES, "/root")
`, ec: &pb.ExecContext{User: "nobody", Sandbox: &pb.Sandbox{ProtectHome: "yes"}}},
		{name: "ProtectHome=tmpfs", script: `
assert os.listdir("/home") == []
fails(lambda: write("/home/x"), errno.EROFS, "/home")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{ProtectHome: "tmpfs"}}},
		{name: "PrivateDevices=yes", script: `
allowed = {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue", "fd", "stdin", "stdout", "stderr", "ptmx", "core", "log"}
extra = set(os.listdir("/dev")) - allowed
assert not extra, extra
write("/dev/null")
assert len(open("/dev/urandom", "rb").read(8)) == 8
bnd = int([l for l in open("/proc/self/status") if l.startswith("CapBnd:")][0].split()[1], 16)
assert not bnd & (1 << 27) and not bnd & (1 << 17), hex(bnd)
open("/dev/shm/sysmaster-test-%d" % os.getpid(), "w").write("x")
os.unlink("/dev/shm/sysmaster-test-%d" % os.getpid())
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateDevices: true}}},
		{name: "PrivateDevices=yes inside ProtectSystem=strict: /dev/shm stays writable", script: `
open("/dev/shm/sysmaster-test-%d" % os.getpid(), "w").write("x")
os.unlink("/dev/shm/sysmaster-test-%d" % os.getpid())
write("/dev/null")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateDevices: true, ProtectSystem: "strict"}}},
		{name: "PrivateNetwork=yes", script: `
names = [n for _, n in socket.if_nameindex()]
assert names == ["lo"], names
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname())
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateNetwork: true}}},
		{name: "ProtectKernelTunables=yes", script: `
fails(lambda: write("/proc/sys/vm/drop_caches"), errno.EROFS, "/proc/sys")
fails(lambda: write("/sys/kernel/uevent_helper"), errno.EROFS, "/sys")
open("/proc/self/oom_score_adj", "w").write("0")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{ProtectKernelTunables: true}}},
		{name: "ProtectControlGroups=yes", script: `
fails(lambda: os.mkdir("/sys/fs/cgroup/sysmaster-x"), errno.EROFS, "/sys/fs/cgroup")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{ProtectControlGroups: true}}},
		{name: "InaccessiblePaths=, ReadOnlyPaths=, NoExecPaths=, ExecPaths=", script: `
assert os.listdir("` + bindSrc + `") == []
fails(lambda: write("/var/lib/x"), errno.EROFS, "/var/lib")
fails(lambda: os.execv("/bin/true", ["true"]), errno.EACCES, "noexec /bin")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{Paths: []*pb.PathRule{
			{Kind: "inaccessible", Path: bindSrc}, {Kind: "read-only", Path: "/var/lib"},
			{Kind: "no-exec", Path: "/usr/bin"}, {Kind: "exec", Path: "/usr/bin/python3"},
			{Kind: "read-only", Path: "/nonexistent", Optional: true}}}}},
		{name: "TemporaryFileSystem=, BindPaths=, BindReadOnlyPaths=", script: `
assert os.listdir("/var/cache") == ["ro"], os.listdir("/var/cache")
assert open("/mnt/sysmaster-bind-test/f").read() == "bound"
write("/mnt/sysmaster-bind-test/w")
assert open("/var/cache/ro/f").read() == "bound"
fails(lambda: write("/var/cache/ro/w"), errno.EROFS, "BindReadOnlyPaths=")
fails(lambda: write("/var/cache/x"), errno.EROFS, "TemporaryFileSystem= ro")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{
			TemporaryFileSystems: []*pb.TmpfsMount{{Path: "/var/cache", Options: "ro"}},
			Binds: []*pb.BindMount{{Source: bindSrc, Destination: "/mnt/sysmaster-bind-test"},
				{Source: bindSrc, Destination: "/var/cache/ro", ReadOnly: true},
				{Source: "/nonexistent", Destination: "/mnt/x", Optional: true}}}}},
		{name: "ProtectProc=invisible", script: `
assert not os.path.exists("/proc/1"), "pid 1 visible"
assert os.path.exists("/proc/self")
`, ec: &pb.ExecContext{User: "nobody", Sandbox: &pb.Sandbox{ProtectProc: "invisible", ProcSubset: "pid"}}},
		{name: "missing path fails with NAMESPACE", script: "", ec: &pb.ExecContext{Sandbox: &pb.Sandbox{
			Paths: []*pb.PathRule{{Kind: "read-only", Path: "/nonexistent/sysmaster"}}}},
			status: 226, step: "NAMESPACE", msg: "ReadOnlyPaths=/nonexistent/sysmaster"},
		{name: "SystemCallFilter=@system-service with SystemCallErrorNumber=EPERM", script: `
fails(mount, errno.EPERM, "mount")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{SyscallFilter: &pb.SyscallFilter{AllowList: true,
			Names: expand(t, "@system-service", "@default"), DefaultErrno: int32(unix.EPERM)}}}},
		{name: "SystemCallFilter=@system-service kills by default", script: `
mount()
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{SyscallFilter: &pb.SyscallFilter{AllowList: true,
			Names: expand(t, "@system-service", "@default")}}}, signal: int(unix.SIGSYS)},
		{name: "SystemCallFilter=~@mount:EACCES", script: `
fails(mount, errno.EACCES, "mount")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{SyscallFilter: &pb.SyscallFilter{
			Names: expand(t, "@mount"), Errnos: errnos(expand(t, "@mount"), unix.EACCES)}}}},
		{name: "SystemCallFilter=~@mount with SystemCallErrorNumber=EPERM, as nobody", script: `
fails(mount, errno.EPERM, "mount")
assert int([l for l in open("/proc/self/status") if l.startswith("NoNewPrivs:")][0].split()[1]) == 1
`, ec: &pb.ExecContext{User: "nobody", Sandbox: &pb.Sandbox{SyscallFilter: &pb.SyscallFilter{
			Names: expand(t, "@mount"), DefaultErrno: int32(unix.EPERM)}}}},
		{name: "MemoryDenyWriteExecute=yes", script: `
fails(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC), errno.EPERM, "mmap W|X")
mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_READ)
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{MemoryDenyWriteExecute: true}}},
		{name: "RestrictAddressFamilies=AF_UNIX", script: `
fails(lambda: socket.socket(socket.AF_INET), errno.EAFNOSUPPORT, "AF_INET")
fails(lambda: socket.socket(socket.AF_INET6), errno.EAFNOSUPPORT, "AF_INET6")
socket.socket(socket.AF_UNIX)
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{AddressFamiliesSet: true, AddressFamiliesAllow: true, AddressFamilies: []int32{unix.AF_UNIX}}}},
		{name: "RestrictAddressFamilies=~AF_INET6", script: `
fails(lambda: socket.socket(socket.AF_INET6), errno.EAFNOSUPPORT, "AF_INET6")
socket.socket(socket.AF_INET)
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{AddressFamiliesSet: true, AddressFamilies: []int32{unix.AF_INET6}}}},
		{name: "RestrictNamespaces=net, RestrictRealtime=, LockPersonality=, RestrictSUIDSGID=", script: `
fails(lambda: call(libc.unshare(0x04000000)), errno.EPERM, "unshare CLONE_NEWUTS")
call(libc.unshare(0x40000000))
fails(lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1)), errno.EPERM, "SCHED_FIFO")
os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
fails(lambda: call(libc.personality(8)), errno.EPERM, "personality")
fails(lambda: os.chmod("` + bindSrc + `/f", 0o4755), errno.EPERM, "chmod u+s")
os.chmod("` + bindSrc + `/f", 0o755)
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{RestrictNamespacesSet: true, NamespacesAllowed: unix.CLONE_NEWNET,
			RestrictRealtime: true, LockPersonality: true, RestrictSuidSgid: true}}},
		{name: "ProtectKernelModules=, ProtectKernelLogs=, ProtectClock=", script: `
import stat
bnd = int([l for l in open("/proc/self/status") if l.startswith("CapBnd:")][0].split()[1], 16)
for cap in (16, 34, 25, 35):
    assert not bnd & (1 << cap), (cap, hex(bnd))
assert stat.S_ISREG(os.stat("/dev/kmsg").st_mode), "/dev/kmsg is still the device"
assert open("/proc/kmsg", "rb").read() == b""
fails(lambda: call(libc.klogctl(10, None, 0)), errno.EPERM, "syslog(2)")
fails(lambda: call(libc.init_module(None, 0, b"")), errno.EPERM, "init_module")
ts = (ctypes.c_long * 2)(0, 0)
fails(lambda: call(libc.clock_settime(0, ts)), errno.EPERM, "clock_settime")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{ProtectKernelModules: true, ProtectKernelLogs: true, ProtectClock: true}}},
		{name: "PrivateIPC=, ProtectHostname=", script: `
os.system("true")
assert os.readlink("/proc/self/ns/ipc") != "` + nsLink("ipc") + `"
assert os.readlink("/proc/self/ns/uts") != "` + nsLink("uts") + `"
fails(lambda: call(libc.sethostname(b"x", 1)), errno.EPERM, "sethostname")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateIpc: true, ProtectHostname: true}}},
		{name: "PrivateUsers=yes as daemon, inside ProtectSystem=strict", script: `
uid_map = [l.split() for l in open("/proc/self/uid_map")]
gid_map = [l.split() for l in open("/proc/self/gid_map")]
assert uid_map == [["0", "0", "1"], ["1", "1", "1"]], uid_map
assert gid_map == [["0", "0", "1"], ["1", "1", "1"]], gid_map
assert os.getuid() == 1 and os.getgid() == 1
assert os.readlink("/proc/self/ns/user") != "` + nsLink("user") + `"
assert os.stat("/etc/passwd").st_uid == 0
assert os.stat("/proc/1/status").st_uid == 0
fails(lambda: write("/usr/sysmaster-x"), errno.EROFS, "/usr")
write(os.environ["STATE_DIRECTORY"] + "/ok")
assert os.stat(os.environ["STATE_DIRECTORY"]).st_uid == 1
`, ec: &pb.ExecContext{User: "daemon", Sandbox: &pb.Sandbox{PrivateUsers: true, ProtectSystem: "strict"},
			// A directory of its own: one owned by a user the namespace does not map cannot be chowned there.
			Directories: map[string]*pb.DirectorySet{"state": {Paths: []string{state + "-userns"}}}}},
		{name: "PrivateUsers=yes as root: no privilege over the host", script: `
uid_map = [l.split() for l in open("/proc/self/uid_map")]
assert uid_map == [["0", "0", "1"]], uid_map
fails(lambda: call(libc.sethostname(b"x", 1)), errno.EPERM, "sethostname")
fails(lambda: os.setuid(2), errno.EINVAL, "setuid to an unmapped user")
fails(mount, errno.EPERM, "mount")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateUsers: true}}},
		{name: "PrivateUsers=yes with ProtectProc=: the procfs there is kept", script: `
assert os.path.exists("/proc/self/status") and os.path.exists("/proc/1")
`, ec: &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateUsers: true, ProtectProc: "invisible", ProcSubset: "pid"}}},
		{name: "full privileges skip the sandbox", script: `
write("` + bindSrc + `/plus")
socket.socket(socket.AF_INET)
`, ec: &pb.ExecContext{FullPrivileges: true, Sandbox: &pb.Sandbox{ProtectSystem: "strict",
			AddressFamiliesSet: true, AddressFamiliesAllow: true, AddressFamilies: []int32{unix.AF_UNIX}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Unit: "sandbox.service"}
			if tc.invocation {
				o.InvocationID = "0123456789abcdef0123456789abcdef"
				defer RemovePrivateTmp(o.Unit, o.InvocationID)
			}
			r := run(t, probe(tc.script, tc.ec), o)
			switch {
			case tc.signal != 0:
				if r.exit.Code != reaper.Killed || r.exit.Status != tc.signal {
					t.Fatalf("%s, want killed by signal %d", describe(r), tc.signal)
				}
			case r.exit.Code != reaper.Exited || r.exit.Status != tc.status:
				t.Fatalf("%s, want status %d", describe(r), tc.status)
			}
			if tc.step != "" && (r.failure == nil || r.failure.Step != tc.step || !strings.Contains(r.failure.Message, tc.msg)) {
				t.Fatalf("%s, want step %s with %q", describe(r), tc.step, tc.msg)
			}
		})
	}
	if _, err := os.Stat("/usr/sysmaster-x"); err == nil {
		t.Error("a write to /usr reached the host")
	}
}

// TestSystemCallArchitectures checks that an i386 system call (int 0x80) works without the setting and kills
// the process with it.
func TestSystemCallArchitectures(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("int 0x80 is x86's")
	}
	// mov eax, 20 (i386 getpid); int 0x80; ret — run from an executable mapping.
	script := `
code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"
m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
m.write(code)
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
pid = ctypes.CFUNCTYPE(ctypes.c_int)(addr)()
assert pid == os.getpid(), (pid, os.getpid())
`
	r := run(t, probe(script, &pb.ExecContext{}), Options{})
	if r.exit.Code != reaper.Exited || r.exit.Status != 0 {
		t.Fatalf("without the filter: %s", describe(r))
	}
	r = run(t, probe(script, &pb.ExecContext{Sandbox: &pb.Sandbox{SyscallArchitecturesNative: true}}), Options{})
	if r.exit.Code != reaper.Killed || r.exit.Status != int(unix.SIGSYS) {
		t.Fatalf("SystemCallArchitectures=native: %s, want killed by SIGSYS", describe(r))
	}
}

func expand(t *testing.T, sets ...string) []string {
	var out []string
	for _, s := range sets {
		names, ok := seccompExpand(s)
		if !ok {
			t.Fatalf("unknown set %s", s)
		}
		out = append(out, names...)
	}
	return out
}

func errnos(names []string, e unix.Errno) map[string]int32 {
	m := map[string]int32{}
	for _, n := range names {
		m[n] = int32(e)
	}
	return m
}

var seccompExpand = seccomp.Expand

func nsLink(kind string) string {
	l, _ := os.Readlink("/proc/self/ns/" + kind)
	return l
}

// The processes of one invocation share PrivateNetwork='s and PrivateIPC='s namespaces (ExecStartPre= and
// ExecStart= see the same lo); another invocation gets others; RemovePrivateTmp lets them go.
func TestSharedNamespaces(t *testing.T) {
	ec := func() *pb.ExecContext {
		return &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateNetwork: true, PrivateIpc: true}}
	}
	o := Options{Unit: "shared.service", InvocationID: "aaaabbbbccccddddaaaabbbbccccdddd"}
	defer RemovePrivateTmp(o.Unit, o.InvocationID)
	out := filepath.Join(t.TempDir(), "ns")
	if r := run(t, sh(`readlink /proc/self/ns/net /proc/self/ns/ipc > `+out, ec()), o); r.exit.Status != 0 {
		t.Fatalf("first: %s", describe(r))
	}
	same := `test "$(readlink /proc/self/ns/net /proc/self/ns/ipc)" = "$(cat ` + out + `)"`
	if r := run(t, sh(same+` && test "$(readlink /proc/self/ns/net)" != "`+nsLink("net")+`"`, ec()), o); r.exit.Status != 0 {
		t.Fatalf("second process of the invocation: %s", describe(r))
	}
	other := Options{Unit: "shared.service", InvocationID: "eeeeffffeeeeffffeeeeffffeeeeffff"}
	defer RemovePrivateTmp(other.Unit, other.InvocationID)
	if r := run(t, sh(`! `+same, ec()), other); r.exit.Status != 0 {
		t.Fatalf("another invocation shares them: %s", describe(r))
	}
	if err := RemovePrivateTmp(o.Unit, o.InvocationID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(executor.SharedNamespaceFile(o.Unit, o.InvocationID, "net")); !os.IsNotExist(err) {
		t.Errorf("the namespace file stays: %v", err)
	}
}

// The soft RLIMIT_NOFILE the process started with reaches the command with a seccomp filter as without one
// (Go's runtime raises it at start and only syscall.Exec puts it back).
func TestSeccompKeepsNofile(t *testing.T) {
	var saved unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	if saved.Max <= 512 {
		t.Fatalf("hard RLIMIT_NOFILE %d leaves no room for a lower soft one", saved.Max)
	}
	// The executor inherits soft 512, which its runtime raises and must put back.
	if err := syscall.Setrlimit(unix.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 512, Max: saved.Max}); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(unix.RLIMIT_NOFILE, &syscall.Rlimit{Cur: saved.Cur, Max: saved.Max})
	for _, ec := range []*pb.ExecContext{{}, {Sandbox: &pb.Sandbox{LockPersonality: true}}} {
		if r := run(t, sh(`test "$(ulimit -Sn)" = 512`, ec), Options{}); r.exit.Status != 0 {
			t.Errorf("sandbox %v: %s", ec.Sandbox, describe(r))
		}
	}
}

// With RootDirectory= the sandbox applies to the tree the process sees: the paths are taken below the root.
func TestRootDirectorySandbox(t *testing.T) {
	b, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Fatalf("needs a static busybox: %v", err)
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "proc", "usr", "etc", "var/lib", "secret"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.WriteFile(filepath.Join(root, "secret", "key"), []byte("k"), 0o644)
	os.WriteFile(filepath.Join(root, "bin", "busybox"), b, 0o755)
	script := `set -e
		/bin/busybox touch /usr/x 2>/dev/null && exit 11
		/bin/busybox touch /etc/x 2>/dev/null && exit 12
		/bin/busybox touch "$STATE_DIRECTORY/ok"
		test -z "$(/bin/busybox ls -A /secret)"`
	s := &pb.Spawn{Path: "/bin/busybox", Argv: []string{"sh", "-c", script}, Exec: &pb.ExecContext{Umask: -1,
		RootDirectory: root, Directories: map[string]*pb.DirectorySet{"state": {Paths: []string{"s"}}},
		Sandbox: &pb.Sandbox{ProtectSystem: "strict", Paths: []*pb.PathRule{{Kind: "inaccessible", Path: "/secret"}}}}}
	if r := run(t, s, Options{}); r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
	if _, err := os.Stat(filepath.Join(root, "var/lib/s/ok")); err != nil {
		t.Errorf("StateDirectory= below the root: %v", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil || st.Flags&unix.ST_RDONLY != 0 {
		t.Errorf("the host's view of the root changed: %#x %v", st.Flags, err)
	}
}

// KeyringMode=: private (the default) gives each process a session keyring of its own, owned by its user, with
// the invocation ID; inherit keeps the one the executor was started with.
func TestKeyringMode(t *testing.T) {
	dir := t.TempDir()
	session := fmt.Sprintf(`
ses = libc.syscall(%d, 0, -3, 0, 0, 0)  # KEYCTL_GET_KEYRING_ID of KEY_SPEC_SESSION_KEYRING (or the user session one)
keys = open("/proc/keys").read()
def seen(name):
    p = "%s/" + name
    return int(open(p).read()) if os.path.exists(p) else None
def note(name):
    open("%s/" + name, "w").write(str(ses))
`, unix.SYS_KEYCTL, dir, dir)
	o := Options{Unit: "keyring.service", InvocationID: "00112233445566778899aabbccddeeff"}
	for _, c := range []struct {
		name, script string
		ec           *pb.ExecContext
	}{
		{"inherit", session + `note("inherit")`, &pb.ExecContext{KeyringMode: "inherit"}},
		{"inherit again", session + `assert ses == seen("inherit"), (ses, seen("inherit"))`, &pb.ExecContext{KeyringMode: "inherit"}},
		{"private", session + `
assert ses != seen("inherit"), "the session keyring is inherited"
assert "invocation_id" in keys, keys
note("private")
`, &pb.ExecContext{}},
		{"private again", session + `assert ses not in (seen("inherit"), seen("private")), ses`, &pb.ExecContext{KeyringMode: "private"}},
		{"private as nobody", session + `
line = [l for l in keys.splitlines() if " keyring " in l and "_ses" in l][0].split()
assert line[5] == "65534", line
`, &pb.ExecContext{User: "nobody"}},
	} {
		if r := run(t, probe(c.script, c.ec), o); r.exit.Status != 0 {
			t.Errorf("%s: %s", c.name, describe(r))
		}
	}
}

// SystemCallLog= lets the calls through and has the kernel log them (a seccomp audit record, type 1326, in the
// kernel log): the named ones only, or with "~" all but them. The kernel rate-limits these records (10 per 5 s
// without auditd), so each case looks for the first record of its process only: uname's own with "uname"
// (nothing else is logged), another call's with "~uname".
func TestSystemCallLog(t *testing.T) {
	nr, ok := seccomp.Number("uname")
	if !ok {
		t.Fatal("no number for uname")
	}
	unameCall := fmt.Sprintf(" syscall=%d ", nr)
	kmsg, err := os.Open("/dev/kmsg")
	if err != nil {
		t.Fatal(err)
	}
	defer kmsg.Close()
	if _, err := kmsg.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	for _, allow := range []bool{true, false} {
		s := &pb.Spawn{Id: "log", Path: "/bin/uname", Argv: []string{"uname"}, Exec: &pb.ExecContext{Umask: -1,
			Sandbox: &pb.Sandbox{SyscallLogSet: true, SyscallLogAllow: allow, SyscallLog: []string{"uname"}}}}
		exits := make(chan reaper.Exit, 1)
		pid, err := Start(testReaper, s, func(e reaper.Exit) { exits <- e }, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if e := <-exits; e.Code != reaper.Exited || e.Status != 0 {
			t.Fatalf("uname under SystemCallLog=: %+v", e)
		}
		if err := kmsg.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 8192)
		for {
			n, err := kmsg.Read(buf)
			if err != nil {
				t.Fatalf("allow %v: no record of pid %d: %v", allow, pid, err)
			}
			rec := string(buf[:n])
			if !strings.Contains(rec, "type=1326") || !strings.Contains(rec, fmt.Sprintf(" pid=%d ", pid)) {
				continue
			}
			if strings.Contains(rec, unameCall) != allow {
				t.Errorf("allow %v: %s", allow, rec)
			}
			break
		}
	}
}

// LoadCredential= and SetCredential= give $CREDENTIALS_DIRECTORY: a read-only ramfs at /run/credentials/<unit>
// whose files are 0400 and the service user's, the directory 0500; a directory source gives ID_FILE
// credentials, a socket source is read to EOF; a missing file fails with 243 CREDENTIALS unless SetCredential=
// gives a default, and a missing credential of the manager's own is skipped. RemoveCredentials takes it away.
func TestCredentials(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "secret"), []byte("s3cret\n"), 0o600)
	os.Mkdir(filepath.Join(src, "dir"), 0o700)
	os.WriteFile(filepath.Join(src, "dir", "one"), []byte("1"), 0o600)
	sock := filepath.Join(src, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peers := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		peers <- c.RemoteAddr().String()
		c.Write([]byte("from socket"))
		c.Close()
	}()
	const unit = "creds-test.service"
	dir := filepath.Join(CredentialsDir, unit)
	defer RemoveCredentials(unit)
	ec := &pb.ExecContext{User: "daemon", Credentials: []*pb.Credential{
		{Id: "secret", Path: filepath.Join(src, "secret")},
		{Id: "d", Path: filepath.Join(src, "dir")},
		{Id: "sock", Path: sock},
		{Id: "inherited-missing", Path: "no-such-system-credential"},
		{Id: "fallback", Path: filepath.Join(src, "missing")},
		{Id: "fallback", Data: []byte("default")},
		{Id: "secret", Data: []byte("overridden by the file")},
		{Id: "set", Data: []byte("a\x00b")},
	}}
	r := run(t, probe(`
d = os.environ["CREDENTIALS_DIRECTORY"]
assert d == "`+dir+`", d
files = sorted(os.listdir(d))
assert files == ["d_one", "fallback", "secret", "set", "sock"], files
want = {"d_one": b"1", "fallback": b"default", "secret": b"s3cret\n", "set": b"a\x00b", "sock": b"from socket"}
for f in files:
    st = os.stat(d + "/" + f)
    assert st.st_mode & 0o7777 == 0o400 and st.st_uid == 1 and st.st_gid == 1, (f, oct(st.st_mode), st.st_uid)
    assert open(d + "/" + f, "rb").read() == want[f], f
st = os.stat(d)
assert st.st_mode & 0o7777 == 0o500 and st.st_uid == 1, (oct(st.st_mode), st.st_uid)
fails(lambda: write(d + "/new"), errno.EROFS, "a new file")
fs = [l.split() for l in open("/proc/self/mounts") if l.split()[1] == d]
assert fs and fs[-1][2] in ("ramfs", "tmpfs") and "ro" in fs[-1][3].split(","), fs
`, ec), Options{Unit: unit})
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
	if p := <-peers; !strings.Contains(p, "/unit/"+unit+"/sock") {
		t.Errorf("the socket's peer is %q", p)
	}
	// A missing file without a default fails the start, naming the directive.
	r = run(t, sh("true", &pb.ExecContext{Credentials: []*pb.Credential{{Id: "x", Path: filepath.Join(src, "missing")}}}), Options{Unit: unit})
	if r.exit.Status != 243 || r.failure == nil || r.failure.Step != "CREDENTIALS" || !strings.Contains(r.failure.Message, "LoadCredential=x:") {
		t.Fatalf("%s", describe(r))
	}
	if err := RemoveCredentials(unit); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s stays: %v", dir, err)
	}
	// The encrypted forms fail as systemd fails when it cannot decrypt.
	r = run(t, sh("true", &pb.ExecContext{Credentials: []*pb.Credential{{Id: "k", Path: "/k", Encrypted: true}}}), Options{Unit: unit})
	if r.exit.Status != 243 || r.failure == nil || !strings.Contains(r.failure.Message, "LoadCredentialEncrypted=k") {
		t.Errorf("encrypted: %s", describe(r))
	}
}

// TestPrivateUsersPrivilegedSettings: under PrivateUsers= the settings that need privilege over the host work
// as they do without it (systemd applies them before it enters the user namespace; here the core applies them
// to the executor): a negative Nice=, a realtime CPUSchedulingPolicy=, the credentials, and, where the core holds
// CAP_SYS_RESOURCE (this test's machine may not: then they cannot work without PrivateUsers= either), an
// OOMScoreAdjust= below the core's and a hard limit above the core's.
func TestPrivateUsersPrivilegedSettings(t *testing.T) {
	var memlock unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_MEMLOCK, &memlock)
	raised := memlock.Max + 64<<20
	status, _ := os.ReadFile("/proc/self/status")
	var capEff uint64
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			fmt.Sscanf(strings.TrimSpace(v), "%x", &capEff)
		}
	}
	const unit = "userns-privileged.service"
	defer RemoveCredentials(unit)
	script := `
assert [l.split() for l in open("/proc/self/uid_map")] == [["0", "0", "1"], ["1", "1", "1"]]
assert os.getuid() == 1
assert os.getpriority(os.PRIO_PROCESS, 0) == -5, os.getpriority(os.PRIO_PROCESS, 0)
assert os.sched_getscheduler(0) == os.SCHED_RR and os.sched_getparam(0).sched_priority == 3
assert open(os.environ["CREDENTIALS_DIRECTORY"] + "/token").read() == "s3cret"
`
	ec := &pb.ExecContext{User: "daemon", Sandbox: &pb.Sandbox{PrivateUsers: true},
		NiceSet: true, Nice: -5, CpuSchedulingPolicy: "rr", CpuSchedulingPriority: 3,
		Credentials: []*pb.Credential{{Id: "token", Data: []byte("s3cret")}}}
	if capEff&(1<<unix.CAP_SYS_RESOURCE) != 0 {
		script += fmt.Sprintf(`
import resource
assert open("/proc/self/oom_score_adj").read().strip() == "-500"
assert resource.getrlimit(resource.RLIMIT_MEMLOCK) == (%[1]d, %[1]d), resource.getrlimit(resource.RLIMIT_MEMLOCK)
`, raised)
		ec.OomScoreAdjustSet, ec.OomScoreAdjust = true, -500
		ec.Limits = map[string]*pb.Rlimit{"MEMLOCK": {Soft: raised, Hard: raised}}
	} else {
		t.Log("no CAP_SYS_RESOURCE here: OOMScoreAdjust= below the core's and a raised hard limit are not checked")
	}
	r := run(t, probe(script, ec), Options{Unit: unit})
	if r.exit.Code != reaper.Exited || r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
}
