package cli

import (
	"fmt"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// unitFileVerb makes enable, disable, reenable, mask and unmask: report each change as systemctl does, then,
// with --now, start (enable, reenable) or stop (disable, mask) the units.
func unitFileVerb(op string) func(e *env, args []string) int {
	return func(e *env, args []string) int {
		units := unitNames(args)
		wire := op
		if (op == "preset" || op == "preset-all") && e.o.presetMode != "" {
			wire += ":" + e.o.presetMode // the core's ChangeUnitFiles reads --preset-mode so
		}
		resp, err := e.c.ChangeUnitFiles(e.ctx, &controlv1.ChangeUnitFilesRequest{Operation: wire, Units: units, Runtime: e.o.runtime})
		if resp != nil && !e.o.quiet {
			fmt.Fprint(e.stderr, formatChanges(resp.Changes))
		}
		if err != nil {
			return e.callFailed(op+" unit", err)
		}
		if op == "enable" && len(resp.Changes) == 0 && !e.o.quiet && !carryInstallInfo(e, units) {
			e.errorf("%s", noInstallConfig)
		}
		if !e.o.now {
			return exitOK
		}
		switch op {
		case "enable", "reenable":
			return jobVerb("start")(e, args)
		case "disable", "mask":
			return jobVerb("stop")(e, args)
		}
		return exitOK
	}
}

// noInstallConfig is systemctl 252's notice for an enable that had nothing to do (systemctl-enable.c).
const noInstallConfig = `The unit files have no installation config (WantedBy=, RequiredBy=, UpheldBy=, Also=,
Alias= settings in the [Install] section, and DefaultInstance= for template
units). This means they are not meant to be enabled or disabled using sctl.
 
Possible reasons for having this kind of units are:
• A unit may be statically enabled by being symlinked from another unit's
  .wants/ or .requires/ directory.
• A unit's purpose may be to act as a helper for some other unit which has
  a requirement dependency on it.
• A unit may be started when needed via activation (socket, path, timer,
  D-Bus, udev, scripted sctl call, ...).
• In case of template units, the unit is meant to be enabled with some
  instance name specified.`

// carryInstallInfo reports whether enabling units had something to do, for an enable that changed nothing:
// systemctl's hint is for units without installation config (a template without DefaultInstance= among them),
// not for units that were enabled already.
func carryInstallInfo(e *env, units []string) bool {
	for _, u := range units {
		if st, err := fileState(e, u); err != nil || st == "static" || st == "disabled" {
			return false
		}
	}
	return true
}

// formatChanges is systemctl's report of the links it made and removed.
func formatChanges(changes []*controlv1.UnitFileChange) string {
	var out string
	for _, c := range changes {
		switch c.Type {
		case "symlink":
			out += fmt.Sprintf("Created symlink %s → %s.\n", c.Path, c.Source)
		case "unlink":
			out += fmt.Sprintf("Removed \"%s\".\n", c.Path)
		}
	}
	return out
}

// enabledStates are the UnitFileState values for which is-enabled succeeds (systemctl's list).
var enabledStates = map[string]bool{"enabled": true, "enabled-runtime": true, "static": true, "alias": true,
	"indirect": true, "generated": true, "transient": true}

func isEnabled(e *env, args []string) int {
	return reportFileStates(e, unitNames(args), func(name string) (string, error) { return fileState(e, name) })
}

// reportFileStates prints the unit file state of each name, as is-enabled does (live or on a --root tree), and
// succeeds when one of them is in enabledStates.
func reportFileStates(e *env, names []string, state func(name string) (string, error)) int {
	code := exitFailure
	for _, name := range names {
		st, err := state(name)
		if err != nil {
			return e.callFailed("get unit file state", err)
		}
		if st == "" {
			e.errorf("Failed to get unit file state for %s: No such file or directory", name)
			continue
		}
		if !e.o.quiet {
			fmt.Fprintln(e.stdout, st)
		}
		if enabledStates[st] {
			code = exitOK
		}
	}
	return code
}

// fileState is the unit file state of name as systemctl is-enabled reports it: the state of the file of that
// name on the search path (an alias is "alias", a template has its own), or, for a name without a file of its
// own (an instance), its unit's UnitFileState.
func fileState(e *env, name string) (string, error) {
	files, err := e.c.ListUnitFiles(e.ctx, &controlv1.ListUnitFilesRequest{Patterns: []string{name}})
	if err != nil {
		return "", err
	}
	for _, f := range files.Files {
		if baseName(f.Path) == name {
			return f.State, nil
		}
	}
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: []string{name}, Properties: []string{"UnitFileState"}, All: true})
	if err != nil {
		return "", err
	}
	if len(resp.Units) == 0 || len(resp.Units[0].Properties) == 0 {
		return "", nil
	}
	return resp.Units[0].Properties[0].Value, nil
}
