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
// the reaper, the control and notify sockets, the descriptor watch, the timers, the checkpoint store and the
// replay logs. Each one runs a turn (its default unit fails to load: there are no plugins) and commits.
func TestCloseReleasesEverything(t *testing.T) {
	dir := t.TempDir()
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
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > routines && time.Now().Before(deadline) {
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
