package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/sysmaster/sysmaster/sdk/client"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// Exit codes, as systemctl uses them (LSB).
const (
	exitOK           = 0
	exitFailure      = 1
	exitNotActive    = 3 // status/is-active of a unit that is not active
	exitNoSuchUnit   = 4 // status of a unit that does not exist; also "access denied"
	exitNotInstalled = 5 // start of a unit that does not exist
)

// env is what a command runs with.
type env struct {
	ctx    context.Context
	c      *client.Client
	o      options
	stdout io.Writer
	stderr io.Writer
}

func (e *env) errorf(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }

type command struct {
	run     func(e *env, args []string) int
	minArgs int
}

var commands = map[string]command{
	"list-units":        {listUnits, 0},
	"list-unit-files":   {listUnitFiles, 0},
	"list-jobs":         {listJobs, 0},
	"list-plugins":      {listPlugins, 0},
	"reload-plugin":     {reloadPlugin, 1},
	"list-sockets":      {listSockets, 0},
	"list-timers":       {listTimers, 0},
	"list-automounts":   {listAutomounts, 0},
	"list-dependencies": {listDependencies, 0},
	"status":            {status, 0},
	"show":              {show, 0},
	"cat":               {cat, 1},
	"is-active":         {isActive, 1},
	"is-failed":         {isFailed, 1},
	"start":             {jobVerb("start"), 1},
	"stop":              {jobVerb("stop"), 1},
	"restart":           {jobVerb("restart"), 1},
	"try-restart":       {jobVerb("try-restart"), 1},
	"reload":            {jobVerb("reload"), 1},
	"reload-or-restart": {jobVerb("reload-or-restart"), 1},
	"isolate":           {jobVerb("isolate"), 1},
	"cancel":            {cancel, 0},
	"daemon-reload":     {daemonReload, 0},
	"daemon-reexec":     {daemonReexec, 0},
	"reset-failed":      {resetFailed, 0},
	"enable":            {unitFileVerb("enable"), 1},
	"disable":           {unitFileVerb("disable"), 1},
	"reenable":          {unitFileVerb("reenable"), 1},
	"mask":              {unitFileVerb("mask"), 1},
	"preset":            {unitFileVerb("preset"), 1},
	"preset-all":        {unitFileVerb("preset-all"), 0},
	"unmask":            {unitFileVerb("unmask"), 1},
	"is-enabled":        {isEnabled, 1},
	"poweroff":          {shutdown("poweroff"), 0},
	"reboot":            {shutdown("reboot"), 0},
	"halt":              {shutdown("halt"), 0},
	"kill":              {kill, 1},
	"logs":              {logs, 1},
}

// Main runs sctl with argv (argv[0] included) and returns its exit code.
func Main(argv []string, stdout, stderr io.Writer) int {
	if args, ok := analyzeArgs(argv[1:]); ok {
		return analyze(args, stdout, stderr)
	}
	if len(argv) > 1 && argv[1] == "escape" {
		return escapeVerb(argv[2:], stdout, stderr)
	}
	verb, args, o, err := parseArgs(argv[1:])
	if err != nil {
		fmt.Fprintln(stderr, optionError("sctl", err, argv[1:]))
		return exitFailure
	}
	if o.help {
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	switch name := filepath.Base(argv[0]); name {
	case "poweroff", "reboot", "halt":
		if verb != "" {
			args = append([]string{verb}, args...)
		}
		verb = name
	}
	if verb == "" {
		verb = "list-units"
	}
	cmd, ok := commands[verb]
	if !ok {
		fmt.Fprintf(stderr, "Unknown command verb '%s'.\n", verb)
		return exitFailure
	}
	if len(args) < cmd.minArgs {
		fmt.Fprintf(stderr, "Too few arguments.\n")
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, "")
	if err != nil {
		fmt.Fprintf(stderr, "Failed to connect to sysmaster: %v\n", err)
		return exitFailure
	}
	defer c.Close()
	return cmd.run(&env{ctx: ctx, c: c, o: o, stdout: stdout, stderr: stderr}, args)
}

// callFailed reports a failed call the way systemctl does and returns the exit code its class means.
func (e *env) callFailed(what string, err error) int {
	switch {
	case errdefs.IsUnavailable(err):
		e.errorf("Failed to connect to sysmaster: %v", err)
		return exitFailure
	case errdefs.IsPermissionDenied(err):
		e.errorf("Failed to %s: Access denied", what)
		return exitNoSuchUnit
	case errdefs.IsNotFound(err):
		e.errorf("Failed to %s: %v", what, err)
		return exitNotInstalled
	}
	e.errorf("Failed to %s: %v", what, err)
	return exitFailure
}
