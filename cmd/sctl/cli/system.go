package cli

import (
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

func daemonReload(e *env, _ []string) int {
	var md metadata.MD
	_, err := e.c.Reload(e.ctx, &controlv1.ReloadRequest{}, grpc.Header(&md))
	e.warnings(md)
	if err != nil {
		return e.callFailed("reload daemon", err)
	}
	return exitOK
}

// daemonReexec asks the core to execute itself anew and waits until it answers again, as systemctl waits for
// the manager to come back.
func daemonReexec(e *env, _ []string) int {
	old, err := e.c.Reexec(e.ctx, &controlv1.ReexecRequest{})
	if err != nil {
		return e.callFailed("reexecute daemon", err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		c, err := client.Dial(e.ctx, "")
		if err != nil {
			continue
		}
		p, err := c.Ping(e.ctx, &controlv1.PingRequest{})
		c.Close()
		if err == nil && p.Instance != old.Instance {
			return exitOK
		}
	}
	e.errorf("Failed to reexecute daemon: the manager did not come back in 90s.")
	return exitFailure
}

// shutdown makes poweroff, reboot, halt and kexec: the core brings the system down and hands the end to init.
// With --force the core does not stop the units in order: it ends at once and init's final stage kills what is
// left, syncs and calls reboot(2), as systemctl -f calls the manager's PowerOff (Reboot, Halt, KExec). --force
// twice never reaches the manager (haltNow).
func shutdown(action string) func(e *env, args []string) int {
	return func(e *env, _ []string) int {
		if e.o.dryRun {
			return exitOK // systemctl --dry-run: everything but the action itself
		}
		req := action
		if e.o.force > 0 {
			req += "-force"
		}
		if _, err := e.c.Shutdown(e.ctx, &controlv1.ShutdownRequest{Action: req}); err != nil {
			return e.callFailed(action+" system", err)
		}
		return exitOK
	}
}

// haltNow is systemctl 252's halt_now, what poweroff, reboot and halt do with --force twice: sctl itself syncs
// and calls reboot(2), without stopping or killing anything and without asking the manager, so that it works when
// the manager is gone (man systemctl). In a container (a PID namespace of its own) the kernel ends the namespace's
// init instead of the machine. kexec is not among them, as in systemctl: there --force twice is --force.
func haltNow(action string, o *options, stderr io.Writer) int {
	cmds := map[string]struct {
		cmd        int
		doing, try string
	}{
		"poweroff": {unix.LINUX_REBOOT_CMD_POWER_OFF, "Powering off.", "power off"},
		"reboot":   {unix.LINUX_REBOOT_CMD_RESTART, "Rebooting.", "reboot"},
		"halt":     {unix.LINUX_REBOOT_CMD_HALT, "Halting.", "halt"},
	}
	c := cmds[action]
	if o.dryRun {
		return exitOK
	}
	unix.Sync()
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_ON) // the kernel handles ctrl-alt-del from here on, as systemctl's
	fmt.Fprintln(stderr, c.doing)
	err := unix.Reboot(c.cmd)
	if err == nil {
		return exitOK // reboot(2) does not return when it succeeds
	}
	fmt.Fprintf(stderr, "Failed to %s system: %s\n", c.try, strerror(err))
	return exitFailure
}

func resetFailed(e *env, args []string) int {
	units, err := e.expandNames(args)
	if err != nil {
		return e.callFailed("expand unit names", err)
	}
	if nothingMatched(args, units) {
		return exitOK // reset-failed without units resets every unit: a pattern that matched nothing must not
	}
	if _, err := e.c.ResetFailed(e.ctx, &controlv1.ResetFailedRequest{Units: units}); err != nil {
		return e.callFailed("reset failed state", err)
	}
	return exitOK
}

// warningHeader is the header in which the core's Reload and Show name what is wrong with its configuration
// (host/manager's confproblems.go).
const warningHeader = "sysmaster-warning"

// warnings prints the configuration problems the core sent with a reply, as systemctl prints its warnings.
func (e *env) warnings(md metadata.MD) {
	for _, w := range md.Get(warningHeader) {
		e.errorf("Warning: %s", w)
	}
}
