package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// loadEnv is what parsing asks of the machine it runs on. Tests give a fake one.
type loadEnv struct {
	// lookPath resolves an executable's plain name to an absolute path.
	lookPath func(name string) (string, bool)
	// memory returns the physical memory in bytes (for MemoryMax=50%).
	memory func() (uint64, error)
	// pidMax returns kernel.pid_max (for TasksMax=10%).
	pidMax func() (uint64, error)
}

// searchPath is the fixed path systemd resolves an executable's plain name in.
var searchPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

func systemLoadEnv() loadEnv {
	return loadEnv{lookPath: lookPath, memory: physicalMemory, pidMax: pidMax}
}

// lookPath finds name in searchPath: the first regular file with an execute bit.
func lookPath(name string) (string, bool) {
	for _, dir := range searchPath {
		path := filepath.Join(dir, name)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return path, true
		}
	}
	return "", false
}

func physicalMemory() (uint64, error) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0, err
	}
	return uint64(si.Totalram) * uint64(si.Unit), nil
}

func pidMax() (uint64, error) {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}
