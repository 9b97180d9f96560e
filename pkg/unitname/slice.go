package unitname

import "strings"

// RootSlice is the slice at the top of the hierarchy, whose cgroup is the manager's root.
const RootSlice = "-.slice"

// SliceValid reports whether name is a slice name whose place in the hierarchy its name gives (systemd's
// slice_name_is_valid): "-.slice", or a prefix of dash-separated parts, none empty ("a-b.slice", not "a--b.slice",
// "-a.slice" or "a-.slice"), and no instance.
func SliceValid(name string) bool {
	if name == RootSlice {
		return true
	}
	if !ValidAs(name, KindPlain) || Type(name) != "slice" {
		return false
	}
	prefix := strings.TrimSuffix(name, ".slice")
	return !strings.HasPrefix(prefix, "-") && !strings.HasSuffix(prefix, "-") && !strings.Contains(prefix, "--")
}

// SliceParent returns the slice above the valid slice name: "a-b.slice" for "a-b-c.slice", "-.slice" for
// "a.slice", and "" for "-.slice", which has none.
func SliceParent(name string) string {
	if name == RootSlice {
		return ""
	}
	prefix := strings.TrimSuffix(name, ".slice")
	i := strings.LastIndexByte(prefix, '-')
	if i < 0 {
		return RootSlice
	}
	return prefix[:i] + ".slice"
}

// SlicePath returns the cgroup of the valid slice name relative to the manager's root: "a.slice/a-b.slice" for
// "a-b.slice", "" for "-.slice".
func SlicePath(name string) string {
	var parts []string
	for s := name; s != "" && s != RootSlice; s = SliceParent(s) {
		parts = append(parts, s)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(parts[i])
	}
	return b.String()
}

// DefaultSlice is the slice a unit with a cgroup goes in when it names none (systemd's unit_set_default_slice
// for the system manager): "system-PREFIX.slice" for an instance of a template, its prefix escaped,
// "system.slice" for any other unit.
func DefaultSlice(name string) string {
	if prefix, instance, _ := Split(name); instance != "" {
		return "system-" + Escape(prefix) + ".slice"
	}
	return "system.slice"
}
