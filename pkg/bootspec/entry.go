package bootspec

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Entry is one Type #1 boot loader entry: the keys of a loader/entries/ID.conf file systemd 252 reads. Root is
// the directory the file's paths (linux, initrd, devicetree) are relative to: the ESP or XBOOTLDR partition it
// was found on.
type Entry struct {
	ID, Path, Root string

	Title, SortKey, Version, MachineID, Architecture string
	Linux, EFI, DeviceTree                           string
	Options, Initrd, DeviceTreeOverlay               []string
}

// Problem is a line of an entry or of loader.conf that was ignored, with systemd's message.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// ValidID reports whether id may name an entry file, systemd's efi_loader_entry_name_valid: a file name of at
// most 255 characters from letters, digits and "+-_.".
func ValidID(id string) bool {
	if id == "" || id == "." || id == ".." || len(id) > 255 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+-_.", c)) {
			return false
		}
	}
	return true
}

// ParseEntry parses the Type #1 entry file named id (the file name, with its ".conf") found in dir below root.
// As systemd's boot_entry_load_type1: blank lines and "#" comments are skipped, each line is a key, white space
// and the rest of the line as its value; options and initrd add a value each time, devicetree-overlay adds each
// word, the other keys take the last value. An unknown key is a Problem and the line is ignored; an id that is
// not valid or does not end in ".conf" (any case) is an error.
func ParseEntry(root, dir, id string, data []byte) (*Entry, []Problem, error) {
	if !ValidID(id) {
		return nil, nil, fmt.Errorf("bootspec: Invalid loader entry name: %s", id)
	}
	if !strings.HasSuffix(strings.ToLower(id), ".conf") {
		return nil, nil, fmt.Errorf("bootspec: Invalid loader entry file suffix: %s", id)
	}
	e := &Entry{ID: id, Path: filepath.Join(dir, id), Root: root}
	var problems []Problem
	eachLine(data, func(n int, key, value string) {
		switch key {
		case "title":
			e.Title = value
		case "sort-key":
			e.SortKey = value
		case "version":
			e.Version = value
		case "machine-id":
			e.MachineID = value
		case "architecture":
			e.Architecture = value
		case "options":
			e.Options = append(e.Options, value)
		case "linux":
			e.Linux = value
		case "efi":
			e.EFI = value
		case "initrd":
			e.Initrd = append(e.Initrd, value)
		case "devicetree":
			e.DeviceTree = value
		case "devicetree-overlay":
			e.DeviceTreeOverlay = append(e.DeviceTreeOverlay, strings.Fields(value)...)
		default:
			problems = append(problems, Problem{e.Path, n, fmt.Sprintf("Unknown line \"%s\", ignoring.", key)})
		}
	})
	return e, problems, nil
}

// eachLine calls fn with each line's number, key and value: systemd's read_line, strstrip and
// extract_first_word on " \t", the value being the rest of the line after the separators.
func eachLine(data []byte, fn func(n int, key, value string)) {
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.Trim(line, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		if k, v, ok := strings.Cut(line, "\t"); ok && len(k) < len(key) {
			key, value = k, v
		}
		fn(i+1, key, strings.TrimLeft(value, " \t"))
	}
}

// ShowTitle is the entry's title, else its id without ".conf", as bootctl shows it.
func (e *Entry) ShowTitle() string {
	if e.Title != "" {
		return e.Title
	}
	return strings.TrimSuffix(e.ID, filepath.Ext(e.ID))
}

// KernelPath is the kernel's path on this system ("" when the entry has no linux key).
func (e *Entry) KernelPath() string {
	if e.Linux == "" {
		return ""
	}
	return filepath.Join(e.Root, e.Linux)
}

// InitrdPaths are the initrds' paths on this system.
func (e *Entry) InitrdPaths() []string {
	out := make([]string, len(e.Initrd))
	for i, p := range e.Initrd {
		out[i] = filepath.Join(e.Root, p)
	}
	return out
}

// CommandLine is the kernel command line: the options values joined by spaces.
func (e *Entry) CommandLine() string { return strings.Join(e.Options, " ") }

// LoaderConf is what loader/loader.conf says that matters here: the default entry's pattern.
type LoaderConf struct {
	Default string
}

// loaderKeys are the keys of loader.conf systemd 252 knows; another is a Problem.
var loaderKeys = map[string]bool{"default": true, "timeout": true, "editor": true, "auto-entries": true,
	"auto-firmware": true, "console-mode": true, "random-seed-mode": true, "beep": true}

// ParseLoaderConf parses loader.conf (path names it in Problems), as systemd's boot_loader_read_conf.
func ParseLoaderConf(path string, data []byte) (LoaderConf, []Problem) {
	var c LoaderConf
	var problems []Problem
	eachLine(data, func(n int, key, value string) {
		switch {
		case key == "default":
			c.Default = value
		case !loaderKeys[key]:
			problems = append(problems, Problem{path, n, fmt.Sprintf("Unknown line \"%s\", ignoring.", key)})
		}
	})
	return c, problems
}
