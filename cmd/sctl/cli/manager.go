package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// The verbs about the manager itself: its state, environment and default target.

// managerProperties are the manager's properties (sctl show without a unit).
func (e *env) managerProperties(names ...string) (map[string]string, error) {
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Properties: names, All: true})
	if err != nil {
		return nil, err
	}
	if len(resp.Units) == 0 {
		return map[string]string{}, nil
	}
	return props(resp.Units[0].Properties), nil
}

// isSystemRunning prints the system state; exit 0 only for "running", as systemctl. --wait waits while the
// system is initializing or starting. A manager that does not answer is "offline".
func isSystemRunning(e *env, _ []string) int {
	var state string
	for {
		p, err := e.managerProperties("SystemState")
		if err != nil {
			state = "offline"
			break
		}
		state = p["SystemState"]
		if !e.o.wait || state != "initializing" && state != "starting" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !e.o.quiet {
		fmt.Fprintln(e.stdout, state)
	}
	if state == "running" {
		return exitOK
	}
	return exitFailure
}

func showEnvironment(e *env, _ []string) int {
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Properties: []string{"Environment"}, All: true})
	if err != nil {
		return e.callFailed("get environment", err)
	}
	// The property is space-separated; the entries are read back from the manager's list one per line.
	if len(resp.Units) > 0 {
		for _, kv := range splitEnvironment(props(resp.Units[0].Properties)["Environment"]) {
			fmt.Fprintln(e.stdout, kv)
		}
	}
	return exitOK
}

// splitEnvironment splits the Environment property, whose entries are NAME=VALUE joined by spaces: a word
// without "=" belongs to the value before it.
func splitEnvironment(s string) []string {
	var out []string
	for _, w := range strings.Split(s, " ") {
		if w == "" && len(out) == 0 {
			continue
		}
		if name, _, ok := strings.Cut(w, "="); ok && validEnvName(name) || len(out) == 0 {
			out = append(out, w)
			continue
		}
		out[len(out)-1] += " " + w
	}
	return out
}

func validEnvName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func setEnvironment(e *env, args []string) int {
	for _, a := range args {
		if name, _, ok := strings.Cut(a, "="); !ok || !validEnvName(name) {
			e.errorf("Not a valid environment variable assignment: %s", a)
			return exitFailure
		}
	}
	return e.changeEnvironment(nil, args)
}

func unsetEnvironment(e *env, args []string) int {
	for _, a := range args {
		if name, _, _ := strings.Cut(a, "="); !validEnvName(name) {
			e.errorf("Not a valid environment variable name or assignment: %s", a)
			return exitFailure
		}
	}
	return e.changeEnvironment(args, nil)
}

// importEnvironment copies the named variables of sctl's own environment into the manager's; systemctl 252
// refuses the form without names.
func importEnvironment(e *env, args []string) int {
	if len(args) == 0 {
		e.errorf("Calling import-environment without a list of variable names is not supported.")
		return exitFailure
	}
	var set []string
	for _, name := range args {
		if !validEnvName(name) {
			e.errorf("Not a valid environment variable name: %s", name)
			return exitFailure
		}
		if v, ok := os.LookupEnv(name); ok {
			set = append(set, name+"="+v)
		}
	}
	return e.changeEnvironment(nil, set)
}

func (e *env) changeEnvironment(unset, set []string) int {
	if _, err := e.c.SetEnvironment(e.ctx, &controlv1.SetEnvironmentRequest{Set: set, Unset: unset}); err != nil {
		return e.callFailed("set environment", err)
	}
	return exitOK
}

// getDefault prints the target default.target names, as systemctl get-default: the link default.target of the
// first directory of the unit path that has one, followed to its end.
func getDefault(e *env, _ []string) int {
	mp, err := e.managerProperties("UnitPath")
	if err != nil {
		return e.callFailed("get default target", err)
	}
	for _, dir := range strings.Fields(mp["UnitPath"]) {
		p := filepath.Join(dir, "default.target")
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			break
		}
		fmt.Fprintln(e.stdout, filepath.Base(target))
		return exitOK
	}
	e.errorf("Failed to get default target: No such file or directory")
	return exitFailure
}

// setDefault links default.target to the named target (".target" added when missing).
func setDefault(e *env, args []string) int {
	if len(args) != 1 {
		e.errorf("This command expects one argument only.")
		return exitFailure
	}
	name := args[0]
	if !strings.Contains(name, ".") {
		name += ".target"
	}
	return e.changeUnitFiles("set-default", []string{name}, "set default target")
}

// changeUnitFiles runs a unit file operation and reports its changes as systemctl does.
func (e *env) changeUnitFiles(op string, args []string, what string) int {
	resp, err := e.c.ChangeUnitFiles(e.ctx, &controlv1.ChangeUnitFilesRequest{Operation: op, Units: args, Runtime: e.o.runtime})
	if resp != nil && !e.o.quiet {
		fmt.Fprint(e.stderr, formatChanges(resp.Changes))
	}
	if err != nil {
		return e.callFailed(what, err)
	}
	return exitOK
}

// addDependency makes add-wants and add-requires: TARGET UNIT…
func addDependency(kind string) func(e *env, args []string) int {
	return func(e *env, args []string) int {
		if len(args) < 2 {
			e.errorf("Too few arguments.")
			return exitFailure
		}
		return e.changeUnitFiles(kind, append([]string{args[0]}, unitNames(args[1:])...), "add dependency")
	}
}

func link(e *env, args []string) int { return e.changeUnitFiles("link", args, "link unit") }

func revert(e *env, args []string) int {
	return e.changeUnitFiles("revert", unitNames(args), "revert unit")
}

// isolateTo makes default, rescue and emergency: isolate the target (systemctl's start with --job-mode=isolate).
func isolateTo(target string) func(e *env, args []string) int {
	return func(e *env, _ []string) int {
		if e.o.dryRun {
			return exitOK // systemctl --dry-run: everything but the action itself
		}
		return jobVerb("isolate")(e, []string{target})
	}
}

// notSupported makes a verb sysmaster does not have: it says so and fails, never pretends to succeed.
func notSupported(verb, why string) func(e *env, args []string) int {
	return func(e *env, _ []string) int {
		e.errorf("sctl %s is not supported: %s.", verb, why)
		return exitFailure
	}
}

// reloadOr is systemctl's reload-or-restart (restartVerb "restart") and try-reload-or-restart (force-reload,
// condreload; restartVerb "try-restart"): reload the active units that can reload, restart or try-restart the
// others (systemd's ReloadOrRestartUnit and ReloadOrTryRestartUnit).
func reloadOr(restartVerb string) func(e *env, args []string) int {
	return func(e *env, args []string) int {
		units, err := e.expandNames(args)
		if err != nil {
			return e.callFailed("expand unit names", err)
		}
		var reload, restart []string
		for _, u := range units {
			p, err := e.unitProperties(u, "CanReload", "ActiveState")
			if err != nil {
				return e.callFailed("get unit "+u, err)
			}
			if p["CanReload"] == "yes" && p["ActiveState"] == "active" {
				reload = append(reload, u)
			} else {
				restart = append(restart, u)
			}
		}
		code := exitOK
		if len(reload) > 0 {
			code = jobVerb("reload")(e, reload)
		}
		if len(restart) > 0 {
			if c := jobVerb(restartVerb)(e, restart); c != exitOK {
				code = c
			}
		}
		return code
	}
}
