package device

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// NewFromSubsystemSysname finds a device by subsystem and kernel name ("net", "lo") the way sd-device does: under
// class/, bus/*/devices/, or module/ for the "module" subsystem.
func (s Sysfs) NewFromSubsystemSysname(subsystem, sysname string) (*Device, error) {
	if subsystem == "" || sysname == "" || strings.Contains(subsystem, "/") {
		return nil, fmt.Errorf("device [%s/%s]: %w", subsystem, sysname, ErrNotFound)
	}
	name := strings.ReplaceAll(sysname, "/", "!")
	var candidates []string
	if subsystem == "module" {
		candidates = []string{"/module/" + name}
	} else {
		candidates = []string{"/class/" + subsystem + "/" + name, "/bus/" + subsystem + "/devices/" + name}
	}
	for _, c := range candidates {
		if d, err := s.New(c); err == nil {
			return d, nil
		}
	}
	return nil, fmt.Errorf("device [%s/%s]: %w", subsystem, sysname, ErrNotFound)
}

// ResolveSubsysKernel resolves udev's "[subsystem/sysname]attribute" syntax. With readValue it returns the
// attribute's value ("" when the attribute does not exist or cannot be read), else the absolute path of the
// device, or of the attribute when one is named.
func (s Sysfs) ResolveSubsysKernel(str string, readValue bool) (string, error) {
	if !strings.HasPrefix(str, "[") {
		return "", fmt.Errorf("device: %q is not [subsystem/sysname]", str)
	}
	subsys, rest, ok := strings.Cut(str[1:], "/")
	if !ok {
		return "", fmt.Errorf("device: %q has no '/'", str)
	}
	sysname, attr, ok := strings.Cut(rest, "]")
	if !ok {
		return "", fmt.Errorf("device: %q has no ']'", str)
	}
	attr = strings.TrimPrefix(attr, "/")
	if readValue && attr == "" {
		return "", fmt.Errorf("device: %q names no attribute", str)
	}
	d, err := s.NewFromSubsystemSysname(subsys, sysname)
	if err != nil {
		return "", err
	}
	if readValue {
		v, err := d.Attr(attr)
		if err != nil {
			return "", nil
		}
		return v, nil
	}
	if attr == "" {
		return d.Syspath(), nil
	}
	return filepath.Join(d.Syspath(), attr), nil
}

// NewFromID finds a device by udev's identifier of it (Device.ID, sd_device_new_from_device_id): "b8:0" and
// "c1:3" by device number, "n3" by interface index, "+subsystem:sysname" by name.
func (s Sysfs) NewFromID(id string) (*Device, error) {
	bad := fmt.Errorf("device %q: not a device id (b8:0, c1:3, n3, +subsystem:sysname): %w", id, ErrNotFound)
	if len(id) < 2 {
		return nil, bad
	}
	switch id[0] {
	case 'b', 'c':
		ma, mi, ok := strings.Cut(id[1:], ":")
		if _, err := strconv.ParseUint(ma, 10, 32); !ok || err != nil {
			return nil, bad
		}
		if _, err := strconv.ParseUint(mi, 10, 32); err != nil {
			return nil, bad
		}
		kind := map[byte]string{'b': "block", 'c': "char"}[id[0]]
		return s.New("/dev/" + kind + "/" + ma + ":" + mi)
	case 'n':
		if n, err := strconv.Atoi(id[1:]); err != nil || n <= 0 {
			return nil, bad
		}
		ents, err := os.ReadDir(filepath.Join(s.root(), "class/net"))
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", id, ErrNotFound)
		}
		for _, e := range ents {
			if v, err := ReadAttr(filepath.Join(s.root(), "class/net", e.Name(), "ifindex")); err == nil && v == id[1:] {
				return s.New("/class/net/" + e.Name())
			}
		}
		return nil, fmt.Errorf("device %s: %w", id, ErrNotFound)
	case '+':
		subsystem, sysname, ok := strings.Cut(id[1:], ":")
		if !ok {
			return nil, bad
		}
		return s.NewFromSubsystemSysname(subsystem, sysname)
	}
	return nil, bad
}
