package device

import (
	"errors"
	"strings"
)

// FromUevent builds the device an event names from the event's properties (DEVPATH, ACTION, SUBSYSTEM, …): what
// sysfs shows of it, when it still exists there, overlaid with what the kernel sent (on "remove" the directory is
// gone and the properties are all there is).
func (s Sysfs) FromUevent(props map[string]string) (*Device, error) {
	devpath := props["DEVPATH"]
	if !strings.HasPrefix(devpath, "/") || strings.Contains(devpath, "/../") || strings.HasSuffix(devpath, "/..") {
		return nil, errors.New("device: event without a valid DEVPATH")
	}
	d, err := s.newResolved(devpath)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		d = &Device{sysfs: s, Devpath: devpath, props: map[string]string{"DEVPATH": devpath}, dbProps: map[string]bool{}}
		d.setNames()
	}
	for k, v := range props {
		d.SetUeventProperty(k, v)
	}
	if ma, ok := props["MAJOR"]; ok {
		d.setDevnum(ma, props["MINOR"])
	}
	return d, nil
}
