package cli

import (
	"time"

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

// shutdown makes poweroff, reboot and halt: the core brings the system down and hands the end to init.
func shutdown(action string) func(e *env, args []string) int {
	return func(e *env, _ []string) int {
		if e.o.dryRun {
			return exitOK // systemctl --dry-run: everything but the action itself
		}
		if _, err := e.c.Shutdown(e.ctx, &controlv1.ShutdownRequest{Action: action}); err != nil {
			return e.callFailed(action+" system", err)
		}
		return exitOK
	}
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
