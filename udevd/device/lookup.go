package device

import (
	"fmt"
	"path/filepath"
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
