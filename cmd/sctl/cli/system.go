package cli

import controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"

func daemonReload(e *env, _ []string) int {
	if _, err := e.c.Reload(e.ctx, &controlv1.ReloadRequest{}); err != nil {
		return e.callFailed("reload daemon", err)
	}
	return exitOK
}

// shutdown makes poweroff, reboot and halt: the core brings the system down and hands the end to init.
func shutdown(action string) func(e *env, args []string) int {
	return func(e *env, _ []string) int {
		if _, err := e.c.Shutdown(e.ctx, &controlv1.ShutdownRequest{Action: action}); err != nil {
			return e.callFailed(action+" system", err)
		}
		return exitOK
	}
}

func resetFailed(e *env, args []string) int {
	if _, err := e.c.ResetFailed(e.ctx, &controlv1.ResetFailedRequest{Units: unitNames(args)}); err != nil {
		return e.callFailed("reset failed state", err)
	}
	return exitOK
}
