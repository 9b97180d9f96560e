package cli

import (
	"fmt"
	"strconv"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// The manager's verbs: freeze, thaw, clean, log-level, log-target, service-watchdogs, exit and kexec.

// freeze makes freeze and thaw: each unit in turn, as systemctl calls FreezeUnit for each.
func freeze(thaw bool) func(e *env, args []string) int {
	verb := "freeze"
	if thaw {
		verb = "thaw"
	}
	return func(e *env, args []string) int {
		units, err := e.expandNames(args)
		if err != nil {
			return e.callFailed("expand unit names", err)
		}
		code := exitOK
		for _, u := range units {
			if _, err := e.c.Freeze(e.ctx, &controlv1.FreezeRequest{Units: []string{u}, Thaw: thaw}); err != nil {
				code = e.callFailed(verb+" unit "+u, err)
			}
		}
		return code
	}
}

// clean removes the directories --what= names (default cache and runtime) of inactive units.
func clean(e *env, args []string) int {
	units, err := e.expandNames(args)
	if err != nil {
		return e.callFailed("expand unit names", err)
	}
	code := exitOK
	for _, u := range units {
		if _, err := e.c.Clean(e.ctx, &controlv1.CleanRequest{Units: []string{u}, What: e.o.what}); err != nil {
			code = e.callFailed("clean unit "+u, err)
		}
	}
	return code
}

// syslogLevels are systemd's log level names by their number (log-level takes either).
var syslogLevels = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// managerSetting makes log-level, log-target and service-watchdogs: without an argument print the manager
// property, with one set it.
func managerSetting(property, what string) func(e *env, args []string) int {
	return func(e *env, args []string) int {
		switch len(args) {
		case 0:
			mp, err := e.managerProperties(property)
			if err != nil {
				return e.callFailed("get "+what, err)
			}
			fmt.Fprintln(e.stdout, mp[property])
			return exitOK
		case 1:
		default:
			e.errorf("This command expects one argument only.")
			return exitFailure
		}
		v := args[0]
		if property == "LogLevel" {
			for i, name := range syslogLevels {
				if v == fmt.Sprint(i) {
					v = name
				}
			}
		}
		if _, err := e.c.SetManagerOption(e.ctx, &controlv1.SetManagerOptionRequest{Name: property, Value: v}); err != nil {
			return e.callFailed("set "+what, err)
		}
		return exitOK
	}
}

// exitManager is systemctl exit [EXIT_CODE]: the manager ends as with poweroff, and init exits with the code
// (the manager's ExitCode, set first as systemctl's SetExitCode). systemd allows it to the system manager in a
// container only (ExitManager); the core refuses it elsewhere.
func exitManager(e *env, args []string) int {
	if len(args) > 1 {
		e.errorf("Too many arguments.")
		return exitFailure
	}
	if len(args) == 1 {
		if _, err := strconv.ParseUint(args[0], 10, 8); err != nil {
			e.errorf("Invalid exit code.")
			return exitFailure
		}
		if e.o.dryRun {
			return exitOK
		}
		if _, err := e.c.SetManagerOption(e.ctx, &controlv1.SetManagerOptionRequest{Name: "ExitCode", Value: args[0]}); err != nil {
			return e.callFailed("set exit code", err)
		}
	}
	return shutdown("exit")(e, nil)
}
