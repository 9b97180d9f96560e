package exec

import (
	"fmt"
	"os"
	osexec "os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/exec/executor"
	"github.com/sysmaster/sysmaster/host/reaper"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The tests run the executor binary the core runs, built by TestMain from cmd/sysmaster-executor; the test
// binary can be the executor too (TestCoreAsItsOwnExecutor). The tests use no os/exec beside the reaper (it
// reaps every child of this process): the build runs before it exists.
var (
	testReaper   *reaper.Reaper
	testExecutor string
)

func TestMain(m *testing.M) {
	if IsExecutor() {
		ExecutorMain()
	}
	if os.Getuid() != 0 {
		fmt.Println("host/exec tests need root")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "sysmaster-exec-test-")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	testExecutor = filepath.Join(dir, ExecutorName)
	build := osexec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", testExecutor, "github.com/sysmaster/sysmaster/cmd/sysmaster-executor")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Printf("building the executor: %v\n%s", err, out)
		os.Exit(1)
	}
	if err := UseExecutor(testExecutor); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	r, err := reaper.New(func(reaper.Exit) {})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	testReaper = r
	// An ignored signal survives fork and execve: the executor must set it back to its default.
	signal.Ignore(syscall.SIGHUP) // SIGHUP: the Go runtime keeps an inherited SIG_IGN for it (and SIGINT)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is how one spawned process ended.
type result struct {
	exit    reaper.Exit
	failure *Failure
}

// run starts s and waits for its exit (and the failure report, which comes first).
func run(t *testing.T, s *pb.Spawn, o Options) result {
	t.Helper()
	exits := make(chan reaper.Exit, 1)
	var got *Failure
	o.OnFailure = func(f *Failure) { got = f }
	pid, err := Start(testReaper, s, func(e reaper.Exit) { exits <- e }, o)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	select {
	case e := <-exits:
		if e.Pid != pid {
			t.Fatalf("exit of %d, started %d", e.Pid, pid)
		}
		return result{exit: e, failure: got}
	case <-time.After(20 * time.Second):
		t.Fatalf("pid %d did not exit", pid)
	}
	return result{}
}

func sh(script string, ec *pb.ExecContext) *pb.Spawn {
	if ec.Umask == 0 {
		ec.Umask = -1
	}
	return &pb.Spawn{Id: "test", Path: "/bin/sh", Argv: []string{"sh", "-c", script}, Exec: ec}
}

func describe(r result) string {
	s := fmt.Sprintf("exit code=%d status=%d", r.exit.Code, r.exit.Status)
	if r.failure != nil {
		s += fmt.Sprintf(" failure=%q", r.failure.Error())
	}
	return s
}

func TestExecContext(t *testing.T) {
	tmp := t.TempDir()
	// Makes the test's expectations of stderr visible: the script prints what it checked before failing.
	out := filepath.Join(tmp, "out")
	tests := []struct {
		name   string
		spawn  *pb.Spawn
		status int    // expected exit status
		step   string // expected failure step, "" for none
		msg    string // substring of the failure message
	}{
		{name: "identity, umask, limits, nice, oom, scheduling, environment",
			spawn: sh(`set -e
				test "$(umask)" = 0027
				test "$(id -u)" = 65534 && test "$(id -g)" = 65534
				ulimit -n | grep -qx 1234
				ulimit -Hn | grep -qx 1234
				ulimit -c | grep -qx unlimited
				test "$(cut -d' ' -f19 /proc/self/stat)" = 7
				grep -qx 333 /proc/self/oom_score_adj
				chrt -p $$ | grep -q SCHED_BATCH
				test "$HOME" = /nonexistent && test "$USER" = nobody && test "$LOGNAME" = nobody && test "$SHELL" = /usr/sbin/nologin
				test "$PATH" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
				test "$FOO" = "bar baz" && test "$INVOCATION_ID" = 0123456789abcdef0123456789abcdef
				test -z "${LISTEN_FDS+x}" && test -z "${LISTEN_FDNAMES+x}" && test -z "${SYSMASTER_EXECUTOR_FDS+x}"
				test "$(pwd)" = /
				test "$(cut -d' ' -f6 /proc/$$/stat)" = $$
				ls -l /proc/self/fd/ | grep -c -- '->' | grep -qx 4`, &pb.ExecContext{
				User: "nobody", Umask: 0o027, Nice: 7, NiceSet: true, OomScoreAdjust: 333, OomScoreAdjustSet: true,
				Limits:              map[string]*pb.Rlimit{"NOFILE": {Soft: 1234, Hard: 1234}, "CORE": {Soft: ^uint64(0), Hard: ^uint64(0)}},
				CpuSchedulingPolicy: "batch", Setsid: true, StandardOutput: "file:" + out, StandardError: "inherit",
				Environment: []string{"FOO=bar baz"},
			})},
		{name: "notify socket, signals", spawn: func() *pb.Spawn {
			// Only SIGPIPE is ignored (IgnoreSIGPIPE=yes, the default); nothing is blocked.
			s := sh(`set -e
				test "$NOTIFY_SOCKET" = /run/sysmaster/notify
				grep -qx 'SigIgn:[[:space:]]*0000000000001000' /proc/self/status
				grep -qx 'SigBlk:[[:space:]]*0000000000000000' /proc/self/status`, &pb.ExecContext{})
			s.NotifySocket = true
			return s
		}()},
		{name: "CPUAffinity=, IOSchedulingClass=, IOSchedulingPriority=",
			spawn: sh(`set -e
				taskset -p $$ | grep -q ': 1$'
				ionice -p $$ | tee /dev/stderr | grep -qx 'best-effort: prio 6'`, &pb.ExecContext{
				CpuAffinity: []uint32{0}, Ioprio: 2<<13 | 6, IoprioSet: true, StandardError: "file:" + out})},
		{name: "IgnoreSIGPIPE=no",
			spawn: sh(`grep -qx 'SigIgn:[[:space:]]*0000000000000000' /proc/self/status`, &pb.ExecContext{KeepSigpipe: true})},
		{name: "groups",
			spawn: sh(`set -e
				test "$(id -g)" = 65534
				id -G | tr ' ' '\n' | grep -qx 4
				id -G | tr ' ' '\n' | grep -qx 100
				test "$(id -u)" = 0`, &pb.ExecContext{Group: "nogroup", SupplementaryGroups: []string{"adm", "100"}})},
		{name: "environment overrides PATH and USER",
			spawn: sh(`test "$PATH" = /bin:/usr/bin && test "$USER" = other`, &pb.ExecContext{
				User: "nobody", Environment: []string{"PATH=/bin:/usr/bin", "USER=other"}})},
		{name: "missing executable", spawn: &pb.Spawn{Path: "/nonexistent/x", Argv: []string{"x"}, Exec: &pb.ExecContext{Umask: -1}},
			status: 203, step: "EXEC", msg: "/nonexistent/x: no such file or directory"},
		{name: "executable from PATH", spawn: &pb.Spawn{Path: "true", Argv: []string{"true"}}},
		{name: "unknown user", spawn: sh("exit 0", &pb.ExecContext{User: "no-such-user-xyz"}), status: 217, step: "USER", msg: "no-such-user-xyz"},
		{name: "unknown group", spawn: sh("exit 0", &pb.ExecContext{Group: "no-such-group-xyz"}), status: 216, step: "GROUP"},
		{name: "missing working directory", spawn: sh("exit 0", &pb.ExecContext{WorkingDirectory: "/nonexistent/dir"}),
			status: 200, step: "CHDIR", msg: "/nonexistent/dir: no such file or directory"},
		{name: "missing working directory ignored", spawn: sh(`test "$(pwd)" = /`, &pb.ExecContext{WorkingDirectory: "-/nonexistent/dir"})},
		{name: "working directory ~", spawn: sh(`test "$(pwd)" = /root`, &pb.ExecContext{User: "root", WorkingDirectory: "~"})},
		{name: "working directory", spawn: sh(`test "$(pwd)" = `+tmp, &pb.ExecContext{WorkingDirectory: tmp})},
		{name: "working directory unreachable for the user", spawn: sh("exit 0", &pb.ExecContext{User: "nobody", WorkingDirectory: "/root"}),
			status: 200, step: "CHDIR", msg: "permission denied"},
		{name: "missing root directory", spawn: sh("exit 0", &pb.ExecContext{RootDirectory: "/nonexistent/root"}), status: 210, step: "CHROOT"},
		{name: "cgroup that does not exist", spawn: sh("exit 0", &pb.ExecContext{}), status: 219, step: "CGROUP"},
		{name: "no new privileges and bounding set",
			spawn: sh(`set -e
				grep -q '^NoNewPrivs:.*1$' /proc/self/status
				grep -q '^CapBnd:.*0000000000000401$' /proc/self/status`, &pb.ExecContext{
				NoNewPrivileges: true, CapabilityBoundingSet: []string{"CAP_NET_BIND_SERVICE", "chown"}})},
		{name: "full privileges ignore User= and NoNewPrivileges=",
			spawn: sh(`test "$(id -u)" = 0 && grep -q '^NoNewPrivs:.*0$' /proc/self/status`, &pb.ExecContext{
				User: "nobody", NoNewPrivileges: true, FullPrivileges: true})},
		{name: "ambient only leaves the user alone", spawn: sh(`test "$(id -u)" = 0 && test "$USER" = nobody`, &pb.ExecContext{
			User: "nobody", AmbientOnly: true})},
		{name: "exit status passes through", spawn: sh("exit 42", &pb.ExecContext{}), status: 42},
		{name: "bad limit value", spawn: sh("exit 0", &pb.ExecContext{Limits: map[string]*pb.Rlimit{"NOFILE": {Soft: 10, Hard: 5}}}),
			status: 205, step: "LIMITS"},
		{name: "standard input file that does not exist", spawn: sh("exit 0", &pb.ExecContext{StandardInput: "file:/nonexistent/in"}),
			status: 208, step: "STDIN"},
		{name: "standard output in a missing directory", spawn: sh("exit 0", &pb.ExecContext{StandardOutput: "file:/nonexistent/out"}),
			status: 209, step: "STDOUT"},
		{name: "standard error in a missing directory", spawn: sh("exit 0", &pb.ExecContext{StandardError: "append:/nonexistent/err"}),
			status: 222, step: "STDERR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{InvocationID: "0123456789abcdef0123456789abcdef"}
			if tc.name == "cgroup that does not exist" {
				o.CgroupProcs = []string{"/sys/fs/cgroup/unified/nonexistent-sysmaster/cgroup.procs"}
			}
			r := run(t, tc.spawn, o)
			if r.exit.Code != reaper.Exited || r.exit.Status != tc.status {
				b, _ := os.ReadFile(out)
				t.Fatalf("%s, want status %d\noutput: %s", describe(r), tc.status, b)
			}
			if tc.step == "" {
				if r.failure != nil {
					t.Fatalf("unexpected failure %v", r.failure)
				}
				return
			}
			if r.failure == nil || r.failure.Step != tc.step || r.failure.Code != tc.status || !strings.Contains(r.failure.Message, tc.msg) {
				t.Fatalf("%s, want step %s with %q", describe(r), tc.step, tc.msg)
			}
		})
	}
}

// TestRefusedBeforeFork: settings that cannot work anywhere are refused by Start, by name.
func TestRefusedBeforeFork(t *testing.T) {
	tests := []struct {
		name string
		ec   *pb.ExecContext
		step string
		msg  string
	}{
		{"credentials", &pb.ExecContext{PassCredentials: true}, "CREDENTIALS", "pass_credentials"},
		{"limit", &pb.ExecContext{Limits: map[string]*pb.Rlimit{"BOGUS": {}}}, "LIMITS", "LimitBOGUS="},
		{"capability", &pb.ExecContext{AmbientCapabilities: []string{"CAP_BOGUS"}}, "CAPABILITIES", "CAP_BOGUS"},
		{"policy", &pb.ExecContext{CpuSchedulingPolicy: "deadline"}, "SETSCHEDULER", "deadline"},
		{"socket input without a socket", &pb.ExecContext{StandardInput: "socket"}, "STDIN", "exactly one"},
		{"fd input of no name", &pb.ExecContext{StandardInput: "fd:foo"}, "STDIN", "fd:foo"},
		{"output", &pb.ExecContext{StandardOutput: "bogus"}, "STDOUT", "bogus"},
		{"directory kind", &pb.ExecContext{Directories: map[string]*pb.DirectorySet{"bogus": {Paths: []string{"x"}}}}, "RUNTIME_DIRECTORY", "bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Start(testReaper, sh("exit 0", tc.ec), func(reaper.Exit) { t.Error("spawned") }, Options{})
			f, ok := err.(*Failure)
			if !ok || f.Step != tc.step || f.Code != ExitCode(tc.step) || !strings.Contains(f.Message, tc.msg) {
				t.Fatalf("got %v, want %s with %q", err, tc.step, tc.msg)
			}
		})
	}
}

func TestStandardStreams(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("0123456789\n"), 0o644)
	r := run(t, sh(`cat; echo err >&2`, &pb.ExecContext{StandardInput: "data", StandardInputData: []byte("abc\n"),
		StandardOutput: "file:" + file, StandardError: "file:" + file}), Options{})
	if b, _ := os.ReadFile(file); r.exit.Status != 0 || string(b) != "abc\nerr\n89\n" {
		t.Fatalf("%s: file: wrote %q", describe(r), b)
	}
	r = run(t, sh(`echo more`, &pb.ExecContext{StandardOutput: "append:" + file}), Options{})
	if b, _ := os.ReadFile(file); r.exit.Status != 0 || string(b) != "abc\nerr\n89\nmore\n" {
		t.Fatalf("%s: append: wrote %q", describe(r), b)
	}
	r = run(t, sh(`echo new; echo err >&2`, &pb.ExecContext{StandardOutput: "truncate:" + file, StandardError: "null"}), Options{})
	if b, _ := os.ReadFile(file); r.exit.Status != 0 || string(b) != "new\n" {
		t.Fatalf("%s: truncate: wrote %q", describe(r), b)
	}
	r = run(t, sh(`read line; test "$line" = new && echo "got $line"`, &pb.ExecContext{StandardInput: "file:" + file,
		StandardOutput: "truncate:" + file + ".2"}), Options{})
	if b, _ := os.ReadFile(file + ".2"); r.exit.Status != 0 || string(b) != "got new\n" {
		t.Fatalf("%s: file input: wrote %q", describe(r), b)
	}
	// Journal output goes to the capture fds the host passes.
	pr, pw, _ := os.Pipe()
	r = run(t, sh(`echo to-journal; echo to-journal-err >&2`, &pb.ExecContext{}), Options{Stdout: pw, Stderr: pw})
	pw.Close()
	b := make([]byte, 100)
	n, _ := pr.Read(b)
	if r.exit.Status != 0 || string(b[:n]) != "to-journal\nto-journal-err\n" {
		t.Fatalf("%s: captured %q", describe(r), b[:n])
	}
	pr.Close()
}

func TestListenFds(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours := os.NewFile(uintptr(fds[0]), "ours")
	theirs := os.NewFile(uintptr(fds[1]), "theirs")
	defer ours.Close()
	defer theirs.Close()
	ours.Write([]byte("hello\n"))
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	spawn := sh(`set -e
		test "$LISTEN_FDS" = 2 && test "$LISTEN_PID" = $$ && test "$LISTEN_FDNAMES" = conn:pipe
		read line <&3
		test "$line" = hello
		echo reply >&3
		echo piped >&4
		test ! -e /proc/self/fd/5`, &pb.ExecContext{})
	spawn.FdNames = []string{"conn", "pipe"}
	r := run(t, spawn, Options{Fds: []*os.File{theirs, pw}})
	pw.Close()
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
	b := make([]byte, 10)
	if n, _ := ours.Read(b); string(b[:n]) != "reply\n" {
		t.Fatalf("socket got %q", b[:n])
	}
	if n, _ := pr.Read(b); string(b[:n]) != "piped\n" {
		t.Fatalf("pipe got %q", b[:n])
	}
	// StandardInput=socket: the one socket is also stdin.
	ours.Write([]byte("on-stdin\n"))
	r = run(t, sh(`read line && test "$line" = on-stdin && echo back`, &pb.ExecContext{StandardInput: "socket", StandardOutput: "inherit"}),
		Options{Fds: []*os.File{theirs}})
	if n, _ := ours.Read(b); r.exit.Status != 0 || string(b[:n]) != "back\n" {
		t.Fatalf("%s: socket got %q", describe(r), b[:n])
	}
}

func TestDirectories(t *testing.T) {
	name := fmt.Sprintf("sysmaster-exec-test-%d", os.Getpid())
	t.Cleanup(func() {
		for _, base := range []string{"/run", "/var/lib", "/var/cache", "/var/log", "/etc"} {
			os.RemoveAll(filepath.Join(base, name))
		}
	})
	ec := &pb.ExecContext{User: "nobody", Directories: map[string]*pb.DirectorySet{
		"runtime":       {Paths: []string{name + "/a", name + "/b"}, Mode: 0o750},
		"state":         {Paths: []string{name}},
		"cache":         {Paths: []string{name}, Mode: 0o700},
		"logs":          {Paths: []string{name}, Mode: 0o2750},
		"configuration": {Paths: []string{name}, Mode: 0o751},
	}}
	r := run(t, sh(fmt.Sprintf(`set -e
		test "$RUNTIME_DIRECTORY" = /run/%[1]s/a:/run/%[1]s/b
		test "$STATE_DIRECTORY" = /var/lib/%[1]s && test "$CACHE_DIRECTORY" = /var/cache/%[1]s
		test "$LOGS_DIRECTORY" = /var/log/%[1]s && test "$CONFIGURATION_DIRECTORY" = /etc/%[1]s
		touch /run/%[1]s/a/x /var/lib/%[1]s/x /var/cache/%[1]s/x /var/log/%[1]s/x`, name), ec), Options{})
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
	for _, c := range []struct {
		path     string
		mode     os.FileMode
		uid, gid uint32
	}{
		{"/run/" + name, 0o755, 0, 0},
		{"/run/" + name + "/a", 0o750, 65534, 65534},
		{"/run/" + name + "/b", 0o750, 65534, 65534},
		{"/var/lib/" + name, 0o755, 65534, 65534},
		{"/var/cache/" + name, 0o700, 65534, 65534},
		{"/var/log/" + name, 0o750 | os.ModeSetgid, 65534, 65534},
		{"/etc/" + name, 0o751, 0, 0}, // ConfigurationDirectory= stays root's
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode()&(os.ModePerm|os.ModeSetgid) != c.mode || st.Uid != c.uid || st.Gid != c.gid {
			t.Errorf("%s: mode %v owner %d:%d, want %v %d:%d", c.path, fi.Mode(), st.Uid, st.Gid, c.mode, c.uid, c.gid)
		}
	}
	// A path that is a file fails with the kind's code.
	os.WriteFile("/var/lib/"+name+"/file", nil, 0o644)
	r = run(t, sh("exit 0", &pb.ExecContext{Directories: map[string]*pb.DirectorySet{"state": {Paths: []string{name + "/file"}}}}), Options{})
	if r.exit.Status != 238 || r.failure == nil || r.failure.Step != "STATE_DIRECTORY" {
		t.Fatalf("%s, want 238 STATE_DIRECTORY", describe(r))
	}
}

func TestPrivateTmp(t *testing.T) {
	marker := filepath.Join("/tmp", fmt.Sprintf("sysmaster-exec-host-%d", os.Getpid()))
	inside := fmt.Sprintf("sysmaster-exec-inside-%d", os.Getpid())
	os.WriteFile(marker, nil, 0o644)
	defer os.Remove(marker)
	unit, inv := "private.service", "fedcba9876543210fedcba9876543210"
	defer RemovePrivateTmp(unit, inv)
	o := Options{Unit: unit, InvocationID: inv}
	r := run(t, sh(fmt.Sprintf(`set -e
		test -z "$(ls -A /tmp)" && test -z "$(ls -A /var/tmp)"
		test "$(stat -c %%a /tmp)" = 1777
		touch /tmp/%[1]s /var/tmp/%[1]s`, inside), &pb.ExecContext{PrivateTmp: true, User: "nobody"}), o)
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
	for _, p := range []string{"/tmp/" + inside, "/var/tmp/" + inside} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s leaked to the host", p)
		}
	}
	// A second process of the same invocation shares the directories (ExecStartPre= and ExecStart=).
	r = run(t, sh("test -e /tmp/"+inside+" && test ! -e "+marker, &pb.ExecContext{PrivateTmp: true}), o)
	if r.exit.Status != 0 {
		t.Fatalf("second process: %s", describe(r))
	}
	// Without PrivateTmp= the host's /tmp is there.
	r = run(t, sh("test -e "+marker+" && test ! -e /tmp/"+inside, &pb.ExecContext{}), o)
	if r.exit.Status != 0 {
		t.Fatalf("no PrivateTmp: %s", describe(r))
	}
	// Without an invocation ID: a tmpfs per process, empty, gone with it.
	r = run(t, sh(`set -e
		test -z "$(ls -A /tmp)" && test -z "$(ls -A /var/tmp)"
		grep -q ' /tmp tmpfs ' /proc/self/mounts
		touch /tmp/`+inside, &pb.ExecContext{PrivateTmp: true}), Options{Unit: unit})
	if _, err := os.Stat("/tmp/" + inside); r.exit.Status != 0 || err == nil {
		t.Fatalf("tmpfs: %s (leaked: %v)", describe(r), err == nil)
	}
	if err := RemovePrivateTmp(unit, inv); err != nil {
		t.Fatal(err)
	}
	tmp, _ := executor.PrivateTmpDirs(unit, inv)
	if _, err := os.Stat(tmp); err == nil {
		t.Fatalf("%s not removed", tmp)
	}
}

func TestAmbientCapabilities(t *testing.T) {
	bind := &pb.Spawn{Path: "/usr/bin/python3", Argv: []string{"python3", "-c",
		"import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 80))"}}
	if _, err := os.Stat(bind.Path); err != nil {
		t.Skip("no python3")
	}
	for _, tc := range []struct {
		name string
		ec   *pb.ExecContext
		ok   bool
	}{
		{"nobody with CAP_NET_BIND_SERVICE", &pb.ExecContext{User: "nobody", AmbientCapabilities: []string{"CAP_NET_BIND_SERVICE"}}, true},
		{"nobody without", &pb.ExecContext{User: "nobody"}, false},
		{"nobody with it outside the bounding set", &pb.ExecContext{User: "nobody", AmbientCapabilities: []string{"CAP_NET_BIND_SERVICE"},
			CapabilityBoundingSet: []string{"CAP_CHOWN"}}, false},
		{"root", &pb.ExecContext{}, true},
		{"root with a bounding set without it", &pb.ExecContext{CapabilityBoundingSet: []string{"CAP_CHOWN"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ec.Umask = -1
			s := &pb.Spawn{Path: bind.Path, Argv: bind.Argv, Exec: tc.ec}
			r := run(t, s, Options{})
			if (r.exit.Status == 0) != tc.ok || r.exit.Code != reaper.Exited {
				t.Fatalf("%s, want success %v", describe(r), tc.ok)
			}
		})
	}
	// The ambient set is really raised, and inheritable, for the user's process.
	r := run(t, sh(`grep -q '^CapAmb:.*0000000000000400$' /proc/self/status && grep -q '^CapEff:.*0000000000000400$' /proc/self/status && test "$(id -u)" = 65534`,
		&pb.ExecContext{User: "nobody", AmbientCapabilities: []string{"CAP_NET_BIND_SERVICE"}}), Options{})
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
}

func TestRootDirectoryAndCgroup(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	os.MkdirAll(filepath.Join(root, "proc"), 0o755)
	os.WriteFile(filepath.Join(root, "inside"), nil, 0o644)
	b, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Skip("no static busybox")
	}
	os.WriteFile(filepath.Join(root, "bin", "busybox"), b, 0o755)
	cg := fmt.Sprintf("/sys/fs/cgroup/unified/sysmaster-exec-test-%d", os.Getpid())
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cg)
	s := &pb.Spawn{Path: "/bin/busybox", Argv: []string{"sh", "-c", `test -e /inside && test "$(/bin/busybox pwd)" = / && test "$RUNTIME_DIRECTORY" = /run/x`},
		Exec: &pb.ExecContext{Umask: -1, RootDirectory: root, Directories: map[string]*pb.DirectorySet{"runtime": {Paths: []string{"x"}}}}}
	r := run(t, s, Options{CgroupProcs: []string{cg + "/cgroup.procs"}})
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
	if _, err := os.Stat(filepath.Join(root, "run", "x")); err != nil {
		t.Fatalf("RuntimeDirectory= not under RootDirectory=: %v", err)
	}
	// The process joined the cgroup (it is empty again now that it exited; a sleeping one shows it).
	s = sh(`grep -qx "0::/sysmaster-exec-test-`+fmt.Sprint(os.Getpid())+`" /proc/self/cgroup`, &pb.ExecContext{})
	r = run(t, s, Options{CgroupProcs: []string{cg + "/cgroup.procs"}})
	if r.exit.Status != 0 {
		t.Fatalf("cgroup: %s", describe(r))
	}
}
