package exec

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/exec/executor"
)

// ExecutorName is the small executor binary's file name, installed beside the core.
const ExecutorName = "sysmaster-executor"

// executorFd is the executor binary UseExecutor opened (O_PATH, close-on-exec), or -1: then the core is its own
// executor through /proc/self/exe.
var executorFd atomic.Int32

func init() { executorFd.Store(-1) }

// ExecutorPath is where the core finds the small executor: beside its own binary
// (/usr/lib/sysmaster/sysmaster-executor beside /usr/lib/sysmaster/sysmaster).
func ExecutorPath() string {
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Join(filepath.Dir(self), ExecutorName)
}

// UseExecutor makes Start run the executor binary at path. It opens the file once and keeps it open, and Start
// execs it through /proc/self/fd: a package upgrade that replaces the file on disk leaves this core with the
// executor of its own release (the spec's encoding is private between the two), as /proc/self/exe did when the
// core was its own executor. On error Start goes on with what it ran before (at first the core itself). The core
// calls it once, at start, before any Start: a Start running meanwhile could exec the descriptor it closes.
func UseExecutor(path string) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("exec: executor: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Mode&0o111 == 0 {
		unix.Close(fd)
		return fmt.Errorf("exec: executor %s: not an executable file", path)
	}
	if old := executorFd.Swap(int32(fd)); old >= 0 {
		unix.Close(int(old))
	}
	return nil
}

// executable is the path Start execs for a child that gets files, and what to call once the child is forked.
// syscall.ForkExec's child moves files to 0…len(files)-1 before it execs, through scratch numbers above both
// len(files) and the highest of files (at most len(files)+1 of them, its error pipe included): the executor's
// fd must lie above all those for its /proc/self/fd path to still name it at execve, or the child gets a copy
// that does.
func executable(files []uintptr) (string, func(), error) {
	fd := int(executorFd.Load())
	if fd < 0 {
		return "/proc/self/exe", func() {}, nil
	}
	top := len(files)
	for _, f := range files {
		top = max(top, int(f))
	}
	floor := top + len(files) + 3
	if fd >= floor {
		return "/proc/self/fd/" + strconv.Itoa(fd), func() {}, nil
	}
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, floor)
	if err != nil {
		return "", nil, fmt.Errorf("exec: executor fd: %w", err)
	}
	return "/proc/self/fd/" + strconv.Itoa(dup), func() { unix.Close(dup) }, nil
}

// IsExecutor reports whether this process was started as the executor: a core runs as its own when the small
// binary is missing (UseExecutor failed), and calls this first thing in main.
func IsExecutor() bool { return executor.Is() }

// ExecutorMain runs the executor (executor.Main); it never returns.
func ExecutorMain() { executor.Main() }
