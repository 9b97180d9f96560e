package unitname

import "testing"

func TestSliceHierarchy(t *testing.T) {
	for _, c := range []struct {
		name, parent, path string
		valid              bool
	}{
		{"-.slice", "", "", true},
		{"a.slice", "-.slice", "a.slice", true},
		{"a-b.slice", "a.slice", "a.slice/a-b.slice", true},
		{"a-b-c.slice", "a-b.slice", "a.slice/a-b.slice/a-b-c.slice", true},
		{`system-getty\x2dx.slice`, "system.slice", `system.slice/system-getty\x2dx.slice`, true},
		{"a--b.slice", "", "", false},
		{"-a.slice", "", "", false},
		{"a-.slice", "", "", false},
		{"a@b.slice", "", "", false},
		{"a.service", "", "", false},
	} {
		if got := SliceValid(c.name); got != c.valid {
			t.Errorf("SliceValid(%q) = %v", c.name, got)
		}
		if !c.valid {
			continue
		}
		if got := SliceParent(c.name); got != c.parent {
			t.Errorf("SliceParent(%q) = %q, want %q", c.name, got, c.parent)
		}
		if got := SlicePath(c.name); got != c.path {
			t.Errorf("SlicePath(%q) = %q, want %q", c.name, got, c.path)
		}
	}
}

func TestDefaultSlice(t *testing.T) {
	for name, want := range map[string]string{
		"foo.service":        "system.slice",
		"getty@tty1.service": "system-getty.slice",
		"a-b@x.socket":       `system-a\x2db.slice`,
	} {
		if got := DefaultSlice(name); got != want {
			t.Errorf("DefaultSlice(%q) = %q, want %q", name, got, want)
		}
	}
}
