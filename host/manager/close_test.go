package manager

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/cgroup"
)

// openFds lists this process's descriptors by what they are.
func openFds(t *testing.T) map[string]int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range ents {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		out[target]++
	}
	return out
}

// 100 managers started and closed in one process leave no goroutine and no descriptor behind: Close releases
// the reaper, the control and notify sockets, the descriptor watch, the timers, the cgroup watches, the
// checkpoint store and the replay logs. Each one loads its default unit (which fails: there are no plugins),
// arms a timer, watches a cgroup, runs a turn and commits.
func TestCloseReleasesEverything(t *testing.T) {
	dir := t.TempDir()
	// No plugins: host/plugin/runner.go leaves a stopped plugin's output pipes for the garbage collector to
	// close, which would make the count below depend on when the collector runs.
	units, plugins := filepath.Join(dir, "units"), filepath.Join(dir, "plugins")
	os.Mkdir(units, 0o755)
	os.Mkdir(plugins, 0o755)
	os.WriteFile(filepath.Join(units, "default.target"), []byte("[Unit]\nDescription=x\n"), 0o644)
	conf := filepath.Join(dir, "system.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("[Manager]\nUnitPaths = [%q]\n[Plugins]\nDir = %q\n", units, plugins)), 0o644)
	cycle := func(i int) {
		m, err := New(Options{ConfigPath: conf, RunDir: filepath.Join(dir, fmt.Sprint("run", i)), Log: io.Discard, Console: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		u := m.load("default.target")
		m.armTimerAt(u, "t", now().mono+time.Hour)
		if m.cg != nil { // a cgroup watched, as a unit with processes has
			if err := m.cg.Create(cgroupName(u), cgroup.Settings{}); err != nil {
				t.Fatal(err)
			}
			u.cgroupMade = true
			m.watchCgroup(u)
			defer m.cg.Remove(cgroupName(u))
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m.Run(ctx)
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cycle(0) // what the runtime and the libraries start once and keep (signal handling, gRPC's pools)
	fds, routines := openFds(t), runtime.NumGoroutine()
	for i := 1; i <= 100; i++ {
		cycle(i)
	}
	// gRPC's server goroutines end shortly after Stop returns.
	more := func() bool {
		for what, n := range openFds(t) {
			if n > fds[what] {
				return true
			}
		}
		return runtime.NumGoroutine() > routines
	}
	deadline := time.Now().Add(10 * time.Second)
	for more() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > routines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after 100 managers, %d before:\n%s", n, routines, buf[:runtime.Stack(buf, true)])
	}
	now := openFds(t)
	for what, n := range now {
		if n > fds[what] {
			t.Errorf("%d descriptors on %s, %d before", n, what, fds[what])
		}
	}
}
