package system

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// The soak test of "never down": 50 services of every kind under a bounded loop of start, stop and restart,
// while the core is SIGKILLed and a running plugin is SIGKILLed soakKills() times each, and the core is
// re-executed and plugins swapped 5 times each. No stop may run into its timeout (TimeoutStopSec=10s: a stop
// ends at once here, the services die on SIGTERM). At the end no service was restarted unasked, every unit is in
// the state its last job asked for, nothing is a zombie, the core holds no more descriptors than before, and every
// listener accepts.
func TestSoakNeverDown(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: not in -short runs")
	}
	t.Parallel()
	kills := soakKills()
	seed := time.Now().UnixNano()
	t.Logf("seed %d, %d core and %d plugin kills", seed, kills, kills)
	rng, jobRng := rand.New(rand.NewSource(seed)), rand.New(rand.NewSource(seed+1)) // one per goroutine
	const perKind = 10
	units := map[string]string{}
	var services []string
	var ports []int
	// TimeoutStopSec=10: a stop that waits for an exit or an empty cgroup that never comes (an exit a crashed
	// core lost, a process it forked unnoted; see test/system/crash_test.go) ends at its timeout, which is logged
	// and fails the test below, instead of holding the job loop for systemd's 90 s.
	noLimit := "[Unit]\nStartLimitIntervalSec=0\n[Service]\nTimeoutStopSec=10\n"
	for i := 0; i < perKind; i++ {
		add := func(name, body string) {
			units[name] = noLimit + body
			services = append(services, name)
		}
		add(fmt.Sprintf("simple-%d.service", i), "[Service]\nExecStart=/bin/sleep 100000\n")
		add(fmt.Sprintf("fork-%d.service", i), "[Service]\nType=forking\nExecStart=/bin/sh -c 'sleep 100000 &'\n")
		add(fmt.Sprintf("notify-%d.service", i), "[Service]\nType=notify\nExecStart=/etc/sysmaster/notifier -delay 10ms\n")
		add(fmt.Sprintf("oneshot-%d.service", i), "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
		add(fmt.Sprintf("web-%d.service", i), "[Service]\nExecStart=/etc/sysmaster/activated\n")
		port := freePort(t, "tcp")
		ports = append(ports, port)
		units[fmt.Sprintf("web-%d.socket", i)] = fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\nPollLimitIntervalSec=0\nTriggerLimitIntervalSec=0\n", port)
	}
	opts := harness.Options{Units: units}
	if os.Getenv("SYSMASTER_SOAK_DEBUG") != "" {
		// The core logs every unit's lines on the console, which a stall below prints.
		b, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config/system.conf"))
		if err != nil {
			t.Fatal(err)
		}
		opts.Config = strings.Replace(string(b), `LogLevel = "info"`, `LogLevel = "debug"`, 1)
	}
	s := harness.Start(t, opts)
	copyExecutable(t, harness.BuildPlugin(t, "test/system/testdata/activated", t.TempDir()), filepath.Join(s.Etc, "activated"))
	copyExecutable(t, harness.BuildPlugin(t, "test/system/testdata/notifier", t.TempDir()), filepath.Join(s.Etc, "notifier"))
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	// sctl with retries: while the core is down or re-executing, a call fails; start and stop are idempotent,
	// and a restart that is repeated restarts once more, which is still what was asked.
	sctl := func(args ...string) string {
		deadline := time.Now().Add(60 * time.Second)
		for {
			out, errs, code := s.Sctl(args...)
			if code == 0 {
				return out
			}
			if time.Now().After(deadline) {
				t.Errorf("sctl %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
				if len(args) > 1 {
					u := args[len(args)-1]
					st, _, _ := s.Sctl("status", "-n", "40", u)
					props, _, _ := s.Sctl("show", "-p", "SubState,MainPID,ControlPID,Result,ExecMainPID,ExecMainCode,ExecMainStatus", u)
					jobs, _, _ := s.Sctl("list-jobs")
					console := strings.Split(s.Console(), "\n")
					t.Logf("%s\n%s\n%s\nconsole (end):\n%s", st, props, jobs, strings.Join(console[max(0, len(console)-200):], "\n"))
				}
				return ""
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	show := func(unit, prop string) string { return strings.TrimSpace(sctl("show", "-p", prop, "--value", unit)) }

	for i := 0; i < perKind; i++ {
		sctl("start", fmt.Sprintf("web-%d.socket", i))
	}
	sctl(append([]string{"start"}, services...)...)
	core := coreOf(t, s)
	baseFds, baseKinds := countFds(core), fdKinds(core)

	// want is each service's state as its last job asked; mainPid its main pid right after that job.
	var mu sync.Mutex
	want := map[string]string{}
	mainPid := map[string]string{}
	for _, u := range services {
		want[u] = "active"
		mainPid[u] = show(u, "MainPID")
	}

	stop := make(chan struct{})
	var ops int // jobs the loop asked for; read after wg.Wait
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the job loop
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			u := services[jobRng.Intn(len(services))]
			op := []string{"start", "stop", "restart"}[jobRng.Intn(3)]
			sctl(op, u)
			ops++
			st := "active"
			if op == "stop" {
				st = "inactive"
			}
			pid := show(u, "MainPID")
			mu.Lock()
			want[u], mainPid[u] = st, pid
			mu.Unlock()
		}
	}()

	// The chaos: the core and plugin kills, 5 re-executions, 5 plugin swaps, in random order and moments.
	var chaos []string
	for i := 0; i < kills; i++ {
		chaos = append(chaos, "kill-core", "kill-plugin")
	}
	for i := 0; i < 5; i++ {
		chaos = append(chaos, "reexec", "reload-plugin")
	}
	rng.Shuffle(len(chaos), func(i, j int) { chaos[i], chaos[j] = chaos[j], chaos[i] })
	counts := map[string]int{}
	for _, c := range chaos {
		time.Sleep(time.Duration(rng.Intn(400)) * time.Millisecond)
		switch c {
		case "kill-core":
			// Kill a core that serves (init may still be starting the last one's successor).
			var pid int
			s.WaitFor(20*time.Second, func() bool {
				pid = coreOf(t, s)
				_, _, code := s.Sctl("is-active", "multi-user.target")
				return pid > 1 && code == 0
			})
			// …and has served a while: init takes a core that dies within a second of its hello for a crash loop,
			// and spaces the restarts.
			time.Sleep(time.Duration(1000+rng.Intn(800)) * time.Millisecond)
			if pid > 1 {
				syscall.Kill(pid, syscall.SIGKILL)
				counts[c]++
			}
		case "kill-plugin":
			// One of the plugins that run (the service plugin at least, while jobs run; a killed one may be
			// relaunching).
			s.WaitFor(20*time.Second, func() bool {
				var running []int
				for _, typ := range []string{"service", "socket", "target"} {
					if n := pluginPid(s, typ); n > 1 {
						if h := hostPid(t, s, n); h > 1 {
							running = append(running, h)
						}
					}
				}
				if len(running) == 0 {
					return false
				}
				syscall.Kill(running[rng.Intn(len(running))], syscall.SIGKILL)
				counts[c]++
				return true
			})
		case "reexec":
			sctl("daemon-reexec")
			counts[c]++
		case "reload-plugin":
			sctl("reload-plugin", []string{"service", "socket"}[rng.Intn(2)])
			counts[c]++
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("chaos done: %v; %d start/stop/restart jobs meanwhile", counts, ops)
	if counts["kill-core"] < kills || counts["kill-plugin"] < kills {
		t.Errorf("too little chaos happened: %v", counts)
	}

	// Every job has ended; every service is where its last job put it, with the main pid it had then.
	if !s.WaitFor(60*time.Second, func() bool {
		out, _, code := s.Sctl("list-jobs")
		return code == 0 && strings.Contains(out, "No jobs running.")
	}) {
		out, _, _ := s.Sctl("list-jobs")
		t.Fatalf("jobs left:\n%s", out)
	}
	for _, u := range services {
		st, pid, restarts := show(u, "ActiveState"), show(u, "MainPID"), show(u, "NRestarts")
		if st != want[u] {
			t.Errorf("%s is %s, its last job asked for %s", u, st, want[u])
		}
		if restarts != "0" {
			t.Errorf("%s NRestarts=%s: restarted without a job asking", u, restarts)
		}
		if want[u] == "active" && !strings.HasPrefix(u, "oneshot-") && pid != mainPid[u] {
			t.Errorf("%s MainPID %s, was %s after its last job: restarted unasked", u, pid, mainPid[u])
		}
	}
	// No stop (nor anything else) ran into its timeout.
	var stalled []string
	for _, u := range services {
		logs, _, _ := s.Sctl("logs", u)
		if n := strings.Count(logs, "timed out"); n > 0 {
			stalled = append(stalled, fmt.Sprintf("%s ×%d", u, n))
			var lines []string
			for _, l := range strings.Split(s.Console(), "\n") {
				if strings.Contains(l, u) {
					lines = append(lines, l)
				}
			}
			t.Logf("%s ran into a timeout; its log:\n%s\nthe console about it (SYSMASTER_SOAK_DEBUG=1 has the core log every line):\n%s",
				u, logs, strings.Join(lines[max(0, len(lines)-150):], "\n"))
		}
	}
	if len(stalled) > 0 {
		t.Errorf("timeouts (TimeoutStopSec=10s) in %v", stalled)
		if os.Getenv("SYSMASTER_SOAK_DEBUG") != "" {
			f := filepath.Join(os.TempDir(), fmt.Sprintf("soak-console-%d.txt", seed))
			if err := os.WriteFile(f, []byte(s.Console()), 0o644); err == nil {
				t.Logf("the whole console is in %s", f)
			}
		}
	}
	// No zombie: every process of the system that has exited has been reaped (by the core or by init).
	if z := zombies(s); len(z) > 0 {
		time.Sleep(2 * time.Second)
		if z2 := zombies(s); len(z2) > 0 {
			t.Errorf("zombies left: %v", z2)
		}
	}
	// No leaked descriptor: with every unit back to what it was at the start, the core holds no more than then.
	sctl(append([]string{"start"}, services...)...)
	diff := fdKinds(coreOf(t, s))
	for k, n := range baseKinds {
		if diff[k] -= n; diff[k] == 0 {
			delete(diff, k)
		}
	}
	t.Logf("core fds: %d at the start %v; now, the difference %v", baseFds, baseKinds, diff)
	if now := countFds(coreOf(t, s)); now > baseFds+8 {
		t.Errorf("the core holds %d descriptors, %d at the start (the difference by kind is logged)", now, baseFds)
	}
	// Every listener accepts and its service answers.
	for i, port := range ports {
		body, err := get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil || !strings.HasPrefix(body, "activated pid=") {
			t.Errorf("web-%d.socket on port %d: %q, %v", i, port, body, err)
		}
	}
}

// soakKills is how many times the soak test kills the core, and a plugin: 100 each when the test is asked for by
// name (go test -run TestSoak ./test/system/) or SYSMASTER_SOAK=full is set, 50 each in a run of the whole suite
// (make test), which must stay short.
func soakKills() int {
	if os.Getenv("SYSMASTER_SOAK") == "full" {
		return 100
	}
	if f := flag.Lookup("test.run"); f != nil && strings.Contains(f.Value.String(), "Soak") {
		return 100
	}
	return 50
}

// countFds is how many descriptors pid holds.
func countFds(pid int) int {
	ents, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	return len(ents)
}

// fdKinds counts pid's descriptors by what they are ("socket", "pipe", "anon_inode:[eventpoll]", a file's
// directory …), to tell what a leak is made of.
func fdKinds(pid int) map[string]int {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	ents, _ := os.ReadDir(dir)
	out := map[string]int{}
	for _, e := range ents {
		l, _ := os.Readlink(filepath.Join(dir, e.Name()))
		switch i := strings.IndexByte(l, '['); {
		case i > 0 && !strings.HasPrefix(l, "anon_inode:"):
			l = l[:i]
		case strings.HasPrefix(l, "/sys/fs/cgroup/"):
			l = "cgroup"
		case strings.HasPrefix(l, "/"):
			l = filepath.Dir(l)
		}
		out[l]++
	}
	return out
}

// zombies lists the zombie processes of the system's pid namespace.
func zombies(s *harness.System) []string {
	ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", s.InitPid))
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var out []string
	for _, p := range procs {
		if l, _ := os.Readlink(p + "/ns/pid"); l != ns {
			continue
		}
		b, err := os.ReadFile(p + "/stat")
		if err != nil {
			continue
		}
		st := string(b)
		f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
		if len(f) > 0 && f[0] == "Z" {
			out = append(out, filepath.Base(p)+" "+st[strings.IndexByte(st, '(')+1:strings.LastIndexByte(st, ')')])
		}
	}
	return out
}
