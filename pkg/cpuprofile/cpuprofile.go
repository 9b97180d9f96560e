// Package cpuprofile writes a process's CPU profile when $SYSMASTER_CPU_PROFILE names a directory: the core from
// manager.New to the end of its run (its setup, a boot and its poweroff, up to init's final stage), a plugin from its
// Serve to the host's close. The image's start before them (the runtime, the package initialisers) is not in
// them. It is where a boot's CPU goes, per process (docs/performance.md, "The boot path").
//
// The profile samples at the runtime's 100 Hz: a plugin's life at boot, ≈ 10 ms of CPU, is one sample or none, so
// the profiles of many boots are read together (`go tool pprof -top DIR/mount-*.cpu`). A higher rate does not help:
// the kernel checks a thread's CPU timer at its clock tick, so a profile never samples faster than the tick.
package cpuprofile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// Env names the directory the profiles go to, as NAME-PID-NS.cpu (NAME: the executable's base name; NS: the start
// time in Unix nanoseconds, as the PIDs of boots in fresh PID namespaces repeat).
const Env = "SYSMASTER_CPU_PROFILE"

// Start starts the profile when Env is set and returns the function that ends it and writes it out; unset, or
// when the file cannot be made, it does nothing (the error, if any, goes to stderr: a profile is never worth
// failing a process for).
func Start() (stop func()) {
	dir := os.Getenv(Env)
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d-%d.cpu", filepath.Base(os.Args[0]), os.Getpid(),
		time.Now().UnixNano())))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpuprofile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "cpuprofile:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
