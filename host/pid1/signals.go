package pid1

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sigRTMin is SIGRTMIN as C programs (and so `kill -RTMIN+4`) see it: the kernel's 32 plus the two glibc keeps.
const sigRTMin = 34

// shutdownSignals are the signals that ask init for a shutdown, and the action each means (systemd's).
var shutdownSignals = map[os.Signal]string{
	unix.SIGTERM:                 "poweroff",
	unix.SIGINT:                  "reboot", // ctrl-alt-del, once reboot(2) has turned CAD off
	syscall.Signal(sigRTMin + 3): "halt",
	syscall.Signal(sigRTMin + 4): "poweroff",
	syscall.Signal(sigRTMin + 5): "reboot",
}

// quietSignals are caught without a word: handled elsewhere (SIGCHLD), the runtime's own (SIGURG), harmless
// (SIGWINCH), or raised by a write to a closed console (SIGPIPE), which a log line would only raise again.
var quietSignals = map[os.Signal]bool{unix.SIGCHLD: true, unix.SIGURG: true, unix.SIGWINCH: true, unix.SIGPIPE: true}

// sigName names a signal as kill(1) does: SIGTERM, SIGRTMIN+4.
func sigName(sig os.Signal) string {
	n, ok := sig.(syscall.Signal)
	switch {
	case !ok:
		return sig.String()
	case n >= sigRTMin && n <= 64:
		return fmt.Sprintf("SIGRTMIN+%d", n-sigRTMin)
	case unix.SignalName(n) != "":
		return unix.SignalName(n)
	}
	return fmt.Sprintf("signal %d", int(n))
}

// catchSignals routes SIGCHLD to chld, the shutdown signals to ctl and every signal to other. Nothing may keep
// its default action: left to Go's defaults most signals would end init (PID 1 ending is a kernel panic) or stop
// it. Caught, rather than ignored, so that the core does not inherit them ignored; other has room for one of
// each, so that a burst loses none of the log lines.
func catchSignals() (chld, ctl, other chan os.Signal) {
	chld = make(chan os.Signal, 1)
	signal.Notify(chld, unix.SIGCHLD)
	ctl = make(chan os.Signal, 8)
	for sig := range shutdownSignals {
		signal.Notify(ctl, sig)
	}
	other = make(chan os.Signal, 64)
	signal.Notify(other)
	ignoreUncaught()
	return chld, ctl, other
}

// kernelSigaction is the kernel's struct sigaction as rt_sigaction(2) takes it where the handler comes first
// (every Linux architecture but mips, where this leaves the disposition as it was). Only the handler is set;
// the struct is at least as large as the kernel's.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const sigDFL, sigIGN = 0, 1

// ignoreUncaught sets SIG_IGN on the signals Go's runtime leaves at SIG_DFL even when all are asked for (its
// reserved real-time signals, 32 and 34 today). The kernel ignores a default-action signal sent to a PID
// namespace's init, but not while init's main thread blocks it, which Go's runtime does for moments (creating
// a thread, forking): then it is fatal. Ignored, it is harmless; the core inherits these two ignored.
func ignoreUncaught() {
	for sig := 1; sig <= 64; sig++ {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) || sig == int(unix.SIGCHLD) {
			continue
		}
		var old kernelSigaction
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 || old.handler != sigDFL {
			continue
		}
		ign := kernelSigaction{handler: sigIGN}
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&ign)), 0, 8, 0, 0); e != 0 {
			logf("cannot ignore signal %d: %v", sig, e)
		}
	}
}
