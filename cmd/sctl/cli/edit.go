package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// edit is systemctl edit: a drop-in (override.conf), or with --full a copy of the unit file, in the first
// directory of the unit path (/etc/sysmaster/system; --runtime: the second, /run/sysmaster/system), written
// through a temporary file the editor changes ($SYSTEMD_EDITOR, $EDITOR, $VISUAL, then editor, nano, vim, vi),
// then daemon-reload. An empty result cancels that file, as systemctl does.

// The markers systemctl 252 puts around the part of the temporary file that becomes the drop-in.
const (
	editMarkerStart = "### Anything between here and the comment below will become the new contents of the file\n"
	editMarkerEnd   = "### Lines below this comment will be discarded\n"
)

func edit(e *env, args []string) int {
	dir, code := e.configDir()
	if code != exitOK {
		return code
	}
	editor, err := findEditor()
	if err != nil {
		e.errorf("%v", err)
		return exitFailure
	}
	type pair struct{ target, tmp string }
	var files []pair
	defer func() {
		for _, f := range files {
			os.Remove(f.tmp)
		}
	}()
	for _, name := range unitNames(args) {
		p, err := e.unitProperties(name, "FragmentPath", "DropInPaths")
		if err != nil {
			return e.callFailed("get unit "+name, err)
		}
		fragment := p["FragmentPath"]
		if fragment == "" && e.o.force == 0 {
			e.errorf("Run 'sctl edit%s --force --full %s' to create a new unit.", map[bool]string{true: " --runtime"}[e.o.runtime], name)
			return exitFailure
		}
		if fragment == "" && !e.o.full {
			e.errorf("Failed to edit %s: a new unit is created with --full.", name)
			return exitFailure
		}
		target := filepath.Join(dir, name+".d", "override.conf")
		var content string
		if e.o.full {
			target = filepath.Join(dir, name)
			if fragment != "" {
				b, err := os.ReadFile(fragment)
				if err != nil {
					e.errorf("Failed to read %s: %v", fragment, err)
					return exitFailure
				}
				content = string(b)
			}
		} else {
			content = dropInTemplate(target, append([]string{fragment}, strings.Fields(p["DropInPaths"])...))
		}
		tmp, err := os.CreateTemp(filepath.Dir(dir), "."+name+".sctl-edit-*")
		if err != nil {
			tmp, err = os.CreateTemp("", "."+name+".sctl-edit-*")
		}
		if err != nil {
			e.errorf("Failed to create a temporary file: %v", err)
			return exitFailure
		}
		files = append(files, pair{target, tmp.Name()})
		_, err = tmp.WriteString(content)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			e.errorf("Failed to write %s: %v", tmp.Name(), err)
			return exitFailure
		}
	}
	cmdline := make([]string, 0, len(files)+1)
	cmdline = append(cmdline, editor...)
	for _, f := range files {
		cmdline = append(cmdline, f.tmp)
	}
	cmd := exec.Command(cmdline[0], cmdline[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		e.errorf("Editor %s failed: %v", editor[0], err)
		return exitFailure
	}
	for _, f := range files {
		b, err := os.ReadFile(f.tmp)
		if err != nil {
			e.errorf("Failed to read %s: %v", f.tmp, err)
			return exitFailure
		}
		content := string(b)
		if !e.o.full {
			content = trimEditMarkers(content)
		}
		if strings.TrimSpace(content) == "" {
			e.errorf("Editing \"%s\" canceled: temporary file is empty.", f.target)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f.target), 0o755); err != nil {
			e.errorf("Failed to create %s: %v", filepath.Dir(f.target), err)
			return exitFailure
		}
		if err := os.WriteFile(f.target, []byte(content), 0o644); err != nil {
			e.errorf("Failed to write %s: %v", f.target, err)
			return exitFailure
		}
	}
	if e.o.noReload {
		return exitOK
	}
	return daemonReload(e, nil)
}

// unitProperties are some properties of one unit, empty ones included.
func (e *env) unitProperties(name string, names ...string) (map[string]string, error) {
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: []string{name}, Properties: names, All: true})
	if err != nil {
		return nil, err
	}
	if len(resp.Units) == 0 {
		return map[string]string{}, nil
	}
	return props(resp.Units[0].Properties), nil
}

// dropInTemplate is the temporary file systemctl 252 gives the editor for a drop-in: the drop-in as it is now
// between the markers, then the unit's files as comments.
func dropInTemplate(target string, sources []string) string {
	current, _ := os.ReadFile(target)
	cur := string(current)
	if cur != "" && !strings.HasSuffix(cur, "\n") {
		cur += "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### Editing %s\n%s\n%s\n%s", target, editMarkerStart, cur, editMarkerEnd)
	for _, src := range sources {
		if src == "" || src == target {
			continue
		}
		data, _ := os.ReadFile(src)
		fmt.Fprintf(&b, "\n\n### %s", src)
		if s := strings.TrimSpace(string(data)); s != "" {
			fmt.Fprintf(&b, "\n# %s", strings.ReplaceAll(s, "\n", "\n# "))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// trimEditMarkers keeps what stands between the markers (the whole file when they were removed), stripped, as
// systemctl's trim_edit_markers.
func trimEditMarkers(s string) string {
	if i := strings.Index(s, editMarkerStart); i >= 0 {
		s = s[i+len(editMarkerStart):]
	}
	if i := strings.Index(s, editMarkerEnd); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return s + "\n"
}

// findEditor is systemctl's choice of editor: $SYSTEMD_EDITOR, $EDITOR, $VISUAL (each may carry arguments),
// then the first of editor, nano, vim, vi on $PATH.
func findEditor() ([]string, error) {
	for _, v := range []string{"SYSTEMD_EDITOR", "EDITOR", "VISUAL"} {
		if f := strings.Fields(os.Getenv(v)); len(f) > 0 {
			return f, nil
		}
	}
	for _, name := range []string{"editor", "nano", "vim", "vi"} {
		if p, err := exec.LookPath(name); err == nil {
			return []string{p}, nil
		}
	}
	return nil, errors.New("Cannot edit units, no editor available. Please set either $SYSTEMD_EDITOR, $EDITOR or $VISUAL.")
}

// configDir is where edit writes: the first directory of the manager's unit path, or with
// --runtime the second.
func (e *env) configDir() (string, int) {
	mp, err := e.managerProperties("UnitPath")
	if err != nil {
		return "", e.callFailed("get the unit path", err)
	}
	dirs := strings.Fields(mp["UnitPath"])
	switch {
	case e.o.runtime && len(dirs) > 2:
		return dirs[1], exitOK
	case !e.o.runtime && len(dirs) > 0:
		return dirs[0], exitOK
	}
	e.errorf("No directory to write to in the unit path %q.", mp["UnitPath"])
	return "", exitFailure
}

// setProperty is systemctl set-property: the core writes each property as a drop-in of the unit (50-NAME.conf in
// its .d directory of the configuration directory; --runtime: the runtime one) and sets the resource-control ones
// on the running unit's cgroup at once, as systemd's SetUnitProperties (the D-Bus method takes the same path).
func setProperty(e *env, args []string) int {
	name := unitName(args[0])
	req := &controlv1.SetUnitPropertiesRequest{Unit: name, Runtime: e.o.runtime, Assignments: args[1:]}
	if _, err := e.c.SetUnitProperties(e.ctx, req); err != nil {
		return e.callFailed("set unit properties on "+name, err)
	}
	return exitOK
}
