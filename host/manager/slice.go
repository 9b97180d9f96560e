package manager

import (
	"strings"

	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// A unit's cgroup sits below its slice's, and a slice's below its parent's: "a.slice/a-b.slice/x.service" for a
// service with Slice=a-b.slice (man systemd.slice). The hierarchy comes from the names alone, so the cgroup of
// any unit is known without loading its slices.

// sliceOf returns the slice u's cgroup goes in: a slice's parent ("" for -.slice); the Slice annotation of a unit
// whose plugin reads Slice= (set, or empty for the default); the default for any other unit.
func sliceOf(u *Unit) string {
	if u.Type == "slice" {
		return unitname.SliceParent(u.ID)
	}
	if s, _ := u.Annotations.get("Slice"); s != "" {
		return s
	}
	return unitname.DefaultSlice(u.ID)
}

// cgroupName is the unit's cgroup below the manager's root; "" for -.slice, which is the root itself.
func cgroupName(u *Unit) string {
	if u.Type == "slice" {
		return unitname.SlicePath(u.ID)
	}
	if p := unitname.SlicePath(sliceOf(u)); p != "" {
		return p + "/" + u.ID
	}
	return u.ID
}

// sliceDependencies are the implicit Requires= and After= of a unit on its slice (systemd's
// unit_add_slice_dependencies): for a slice, on its parent; for a unit whose plugin reports a Slice annotation
// (units that run processes: services, sockets, mounts, swaps), on that slice. Stopping the slice therefore
// stops the units in it first.
func sliceDependencies(u *Unit) []*pb.Dependency {
	if _, ok := u.Annotations.get("Slice"); !ok && u.Type != "slice" {
		return nil
	}
	s := sliceOf(u)
	if s == "" {
		return nil
	}
	return []*pb.Dependency{{Kind: "Requires", Units: []string{s}}, {Kind: "After", Units: []string{s}}}
}

// sliceTypes are the types whose units run processes in a cgroup of their own and so go in a slice (systemd's
// unit types with a cgroup context); their plugins report the Slice annotation.
var sliceTypes = []string{"service", "socket", "mount", "swap", "scope"}

// declaredSlice declares every slice: a slice named by a unit or as a parent loads with its defaults without a
// file, as in systemd.
func declaredSlice(name string) []*unitfile.Section {
	if unitname.Type(name) == "slice" && unitname.SliceValid(name) {
		return []*unitfile.Section{{Name: "Unit"}}
	}
	return nil
}

// realizeCgroup creates or updates u's cgroup with s (a slice's resource control, RealizeCgroup).
func (m *Manager) realizeCgroup(u *Unit, s *pb.CgroupSettings) {
	if m.cg == nil {
		return
	}
	if cgroupName(u) == "" {
		if cgroup.SettingsFromProto(s) != (cgroup.Settings{}) {
			m.unitLogf(u, 4, "%s: the root slice is the manager's root cgroup: its resource settings are not applied", u.ID)
		}
		return
	}
	m.cgroupFor(u, s)
}

// unitOfCgroup returns the unit a cgroup below the manager's root belongs to ("a.slice/x.service/sub" is
// x.service's): its first part that is no slice; "" when there is none.
func unitOfCgroup(rel string) string {
	for _, part := range strings.Split(rel, "/") {
		if unitname.Type(part) != "slice" {
			if unitname.Valid(part) {
				return part
			}
			return ""
		}
	}
	return ""
}

// cgroupOfName is cgroupName for a unit known by name only, which may not be loaded.
func (m *Manager) cgroupOfName(name string) string {
	if u := m.units[name]; u != nil {
		return cgroupName(u)
	}
	return cgroupName(&Unit{ID: name, Type: unitname.Type(name)})
}

// unitCgroups lists the unit cgroups below the slice cgroup rel ("" for the root), through every slice below it.
func (m *Manager) unitCgroups(rel string) []string {
	kids, _ := m.cg.Children(rel)
	var out []string
	for _, k := range kids {
		name := k
		if rel != "" {
			name = rel + "/" + k
		}
		switch {
		case unitname.Type(k) == "slice":
			out = append(out, m.unitCgroups(name)...)
		case unitname.Valid(k):
			out = append(out, name)
		}
	}
	return out
}
