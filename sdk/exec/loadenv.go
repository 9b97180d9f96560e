package exec

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LoadEnv is what parsing asks of the machine it runs on. Tests give a fake one.
type LoadEnv struct {
	// LookPath resolves an executable's plain name to an absolute path.
	LookPath func(name string) (string, bool)
	// Memory returns the physical memory in bytes (for MemoryMax=50%).
	Memory func() (uint64, error)
	// PidMax returns kernel.pid_max (for TasksMax=10%).
	PidMax func() (uint64, error)
}

// SearchPath is the fixed path systemd resolves an executable's plain name in.
var SearchPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// SystemLoadEnv looks at the machine the plugin runs on.
func SystemLoadEnv() LoadEnv {
	return LoadEnv{LookPath: LookPath, Memory: physicalMemory, PidMax: pidMax}
}

// LookPath finds name in SearchPath: the first regular file with an execute bit.
func LookPath(name string) (string, bool) {
	for _, dir := range SearchPath {
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
