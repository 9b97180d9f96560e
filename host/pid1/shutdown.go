package pid1

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// shutdownWait is how long init waits for the core to bring the system down before doing it alone.
const shutdownWait = 90 * time.Second

// killWait is how long the final stage waits for processes to end after SIGTERM, and again after SIGKILL.
const killWait = 5 * time.Second

var rebootCmds = map[string]int{
	"poweroff": unix.LINUX_REBOOT_CMD_POWER_OFF,
	"reboot":   unix.LINUX_REBOOT_CMD_RESTART,
	"halt":     unix.LINUX_REBOOT_CMD_HALT,
	"kexec":    unix.LINUX_REBOOT_CMD_KEXEC, // the kernel the core checked is loaded (sctl kexec)
}

func (s *initd) shuttingDown() bool { return s.requested != "" || s.final != "" }

// shutdownSignal starts the shutdown sig asks for: through the core when one is connected (init then waits for
// it to exit, at most shutdownWait), at once otherwise.
func (s *initd) shutdownSignal(sig os.Signal) {
	action := shutdownSignals[sig]
	if s.shuttingDown() {
		logf("%s: already shutting down; ignored", sigName(sig))
		return
	}
	s.requested = action
	logf("%s: %s requested", sigName(sig), action)
	if s.link != nil && s.link.helloed && !s.link.closed && s.core.pid != 0 &&
		s.send(initproto.Msg{Type: initproto.TypeShutdown, Action: action}, time.Second) {
		logf("asked the core to %s; waiting up to %v for it to exit", action, shutdownWait)
		s.armDeadline()
		return
	}
	s.now = true
}

func (s *initd) armDeadline() {
	if s.deadline == nil {
		s.deadline, s.deadlineAt = time.After(shutdownWait), time.Now().Add(shutdownWait)
	}
}

// action is what the final stage does: what the core handed over, else what a signal asked for.
func (s *initd) action() string {
	if s.final != "" {
		return s.final
	}
	return s.requested
}

// finalStage ends every process left, syncs, on a real boot unmounts what is left, turns swaps off and detaches
// loop devices (finalizer), and calls reboot(2). In a container, as systemd-shutdown there, it leaves the mounts,
// swaps and loop devices alone: they are the outer system's or end with the mount namespace. In a container
// reboot(2) ends the PID namespace (its parent sees init killed by SIGINT for poweroff and halt, SIGHUP for
// reboot); if even that is refused, finalStage returns and init exits. exit, which the core hands over only in a
// container, skips reboot(2): init returns and exits with the status the core set, as systemd-shutdown's exit
// verb does there; on a real boot exit powers off. On a real boot finalStage never returns.
func finalStage(action string, container bool) {
	logf("final stage: %s", action)
	logf("sending SIGTERM to every process")
	_ = unix.Kill(-1, unix.SIGTERM)
	_ = unix.Kill(-1, unix.SIGCONT) // a stopped process must run to see its SIGTERM
	if !reapAll(killWait) {
		logf("processes left after %v; sending SIGKILL", killWait)
		_ = unix.Kill(-1, unix.SIGKILL)
		if !reapAll(killWait) {
			logf("processes still left after SIGKILL; going on")
		}
	}
	logf("syncing")
	unix.Sync()
	if !container {
		shutdownFinalizer.run()
		unix.Sync()
	}
	if action == "exit" && container {
		logf("exiting the container")
		return
	}
	cmd, ok := rebootCmds[action]
	if !ok {
		cmd = unix.LINUX_REBOOT_CMD_POWER_OFF
	}
	logf("reboot(2): %s", action)
	err := unix.Reboot(cmd)
	if container {
		logf("reboot(2) did not end the PID namespace (%v); exiting", err)
		return
	}
	logf("reboot(2) failed (%v); freezing", err)
	freeze()
}
