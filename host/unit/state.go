package unit

import "fmt"

// ActiveState is a unit's generic active state (man systemd, "ActiveState"): the one type the core, the job
// engine, the checkpoint and the control API use for it. The plugin protocol carries it as its own enum, which
// host/manager converts at the boundary. The zero value is Inactive. The numbers are no format: the checkpoint
// and the control API use the names.
type ActiveState int

// The active states, in systemd's order.
const (
	Inactive ActiveState = iota
	Activating
	Active
	Deactivating
	Failed
	Reloading
	Maintenance
)

var activeNames = [...]string{"inactive", "activating", "active", "deactivating", "failed", "reloading", "maintenance"}

// String returns systemd's name for s ("active", "inactive", …).
func (s ActiveState) String() string {
	if s >= 0 && int(s) < len(activeNames) {
		return activeNames[s]
	}
	return fmt.Sprintf("active-state(%d)", int(s))
}

// ParseActiveState is the inverse of String.
func ParseActiveState(name string) (ActiveState, error) {
	for i, n := range activeNames {
		if n == name {
			return ActiveState(i), nil
		}
	}
	return Inactive, fmt.Errorf("unit: unknown active state %q", name)
}

// IsActive reports active or reloading, systemd's UNIT_IS_ACTIVE_OR_RELOADING.
func (s ActiveState) IsActive() bool { return s == Active || s == Reloading }

// IsDown reports inactive or failed, systemd's UNIT_IS_INACTIVE_OR_FAILED.
func (s ActiveState) IsDown() bool { return s == Inactive || s == Failed }

// MarshalText saves s by name.
func (s ActiveState) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(activeNames) {
		return nil, fmt.Errorf("unit: no name for active state %d", int(s))
	}
	return []byte(activeNames[s]), nil
}

// UnmarshalText reads a name MarshalText wrote; an unknown one is an error.
func (s *ActiveState) UnmarshalText(b []byte) error {
	v, err := ParseActiveState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
