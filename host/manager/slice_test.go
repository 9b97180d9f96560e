package manager

import "testing"

func TestCgroupNames(t *testing.T) {
	for _, c := range []struct {
		u    *Unit
		want string
	}{
		{&Unit{ID: "a.service", Type: "service"}, "system.slice/a.service"},
		{&Unit{ID: "a.service", Type: "service", Annotations: newPairs(map[string]string{"Slice": ""})}, "system.slice/a.service"},
		{&Unit{ID: "a.service", Type: "service", Annotations: newPairs(map[string]string{"Slice": "x-y.slice"})}, "x.slice/x-y.slice/a.service"},
		{&Unit{ID: "g@tty1.service", Type: "service"}, "system.slice/system-g.slice/g@tty1.service"},
		{&Unit{ID: "x-y.slice", Type: "slice"}, "x.slice/x-y.slice"},
		{&Unit{ID: "-.slice", Type: "slice"}, ""},
	} {
		if got := cgroupName(c.u); got != c.want {
			t.Errorf("cgroupName(%s %v) = %q, want %q", c.u.ID, c.u.Annotations, got, c.want)
		}
	}
	for rel, want := range map[string]string{
		"system.slice/a.service":            "a.service",
		"x.slice/x-y.slice/a.service/sub/x": "a.service",
		"a.service":                         "a.service",
		"system.slice":                      "",
		"init.scope":                        "init.scope",
		"system.slice/cgroup.procs.bad!":    "",
	} {
		if got := unitOfCgroup(rel); got != want {
			t.Errorf("unitOfCgroup(%q) = %q, want %q", rel, got, want)
		}
	}
}

func TestSliceDependencies(t *testing.T) {
	if d := sliceDependencies(&Unit{ID: "t.target", Type: "target"}); d != nil {
		t.Errorf("a target without a Slice annotation got %v", d)
	}
	d := sliceDependencies(&Unit{ID: "a.service", Type: "service", Annotations: newPairs(map[string]string{"Slice": ""})})
	if len(d) != 2 || d[0].Kind != "Requires" || d[1].Kind != "After" || d[0].Units[0] != "system.slice" {
		t.Errorf("a service: %v", d)
	}
	if d := sliceDependencies(&Unit{ID: "a-b.slice", Type: "slice"}); len(d) != 2 || d[0].Units[0] != "a.slice" {
		t.Errorf("a-b.slice: %v", d)
	}
	if d := sliceDependencies(&Unit{ID: "-.slice", Type: "slice"}); d != nil {
		t.Errorf("-.slice: %v", d)
	}
}
