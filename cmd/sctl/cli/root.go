package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
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

// Version is sctl's version, set at build time as init's is (-ldflags "-X …/cmd/sctl/cli.Version=…").
var Version = "dev"

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
	"reload-or-restart": {reloadOr("restart"), 1},
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
	// systemctl's other names for the job verbs.
	"try-reload-or-restart": {reloadOr("try-restart"), 1},
	"force-reload":          {reloadOr("try-restart"), 1},
	"condrestart":           {jobVerb("try-restart"), 1},
	"condreload":            {reloadOr("try-restart"), 1},
	"reload-or-try-restart": {reloadOr("try-restart"), 1},
	"restart-or-reload":     {reloadOr("restart"), 1},
	"default":               {isolateTo("default.target"), 0},
	"rescue":                {isolateTo("rescue.target"), 0},
	"emergency":             {isolateTo("emergency.target"), 0},
	// The manager (manager.go).
	"is-system-running":  {isSystemRunning, 0},
	"show-environment":   {showEnvironment, 0},
	"set-environment":    {setEnvironment, 1},
	"unset-environment":  {unsetEnvironment, 1},
	"import-environment": {importEnvironment, 0},
	"get-default":        {getDefault, 0},
	"set-default":        {setDefault, 1},
	// Unit files (manager.go, edit.go).
	"add-wants":    {addDependency("add-wants"), 2},
	"add-requires": {addDependency("add-requires"), 2},
	"link":         {link, 1},
	"revert":       {revert, 1},
	"edit":         {edit, 1},
	"set-property": {setProperty, 2},
	// The manager's verbs (verbs.go).
	"freeze":            {freeze(false), 1},
	"thaw":              {freeze(true), 1},
	"clean":             {clean, 1},
	"log-level":         {managerSetting("LogLevel", "log level"), 0},
	"log-target":        {managerSetting("LogTarget", "log target"), 0},
	"service-watchdogs": {managerSetting("ServiceWatchdogs", "service watchdog state"), 0},
	"exit":              {exitManager, 0},
	"kexec":             {kexecVerb, 0},
	// Verbs sysmaster does not have; each says why and fails.
	"switch-root":            {notSupported("switch-root", "sysmaster does not run in an initrd"), 1},
	"service-log-level":      {notSupported("service-log-level", "services do not take a log level over the bus"), 1},
	"service-log-target":     {notSupported("service-log-target", "services do not take a log target over the bus"), 1},
	"suspend":                {notSupported("suspend", "sleep states are not implemented"), 0},
	"hibernate":              {notSupported("hibernate", "sleep states are not implemented"), 0},
	"hybrid-sleep":           {notSupported("hybrid-sleep", "sleep states are not implemented"), 0},
	"suspend-then-hibernate": {notSupported("suspend-then-hibernate", "sleep states are not implemented"), 0},
	"list-machines":          {notSupported("list-machines", "there are no containers registered with sysmaster"), 0},
	"bind":                   {notSupported("bind", "bind mounts into a unit's namespace are not implemented"), 2},
	"mount-image":            {notSupported("mount-image", "images are not mounted into units"), 2},
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
	var refused refusal
	if errors.As(err, &refused) {
		fmt.Fprintln(stderr, refused.Error())
		return exitFailure
	}
	if err != nil {
		fmt.Fprintln(stderr, optionError("sctl", err, argv[1:]))
		return exitFailure
	}
	if o.help || verb == "help" && len(args) == 0 {
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	if slices.Contains(o.types, "help") {
		// systemctl -t help: the unit types, then the load states.
		fmt.Fprintf(stdout, "Available unit types:\n%s\n\nAvailable unit load states:\n%s\n",
			strings.Join(unitTypes, "\n"), strings.Join(loadStates, "\n"))
		return exitOK
	}
	if o.version {
		fmt.Fprintf(stdout, "sctl (sysmaster) %s\n", Version)
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
	if o.root != "" {
		return offline(verb, args, o, stdout, stderr) // offline.go
	}
	if o.force >= 2 && (verb == "poweroff" || verb == "reboot" || verb == "halt") {
		return haltNow(verb, &o, stderr) // system.go: without the manager
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
