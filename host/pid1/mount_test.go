package pid1

import "testing"

func TestCgroup2Options(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []mountEntry
		want string
	}{
		{"none mounted", []mountEntry{{"/proc", "proc", "rw"}}, ""},
		{"flags kept, rw dropped", []mountEntry{{"/sys/fs/cgroup/unified", "cgroup2", "rw,nsdelegate,memory_recursiveprot"}},
			"nsdelegate,memory_recursiveprot"},
		{"plain", []mountEntry{{"/sys/fs/cgroup", "cgroup2", "rw"}}, ""},
		{"v1 ignored", []mountEntry{{"/sys/fs/cgroup/cpu", "cgroup", "rw,cpu"}, {"/u", "cgroup2", "ro,nsdelegate"}}, "nsdelegate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cgroup2Options(tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
