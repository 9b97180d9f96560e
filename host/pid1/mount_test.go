package pid1

import (
	"testing"

	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

func TestCgroup2Options(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []mountinfo.Mount
		want string
	}{
		{"none mounted", []mountinfo.Mount{{Point: "/proc", FSType: "proc", SuperOptions: "rw"}}, ""},
		{"flags kept, rw dropped", []mountinfo.Mount{{Point: "/sys/fs/cgroup/unified", FSType: "cgroup2", SuperOptions: "rw,nsdelegate,memory_recursiveprot"}},
			"nsdelegate,memory_recursiveprot"},
		{"plain", []mountinfo.Mount{{Point: "/sys/fs/cgroup", FSType: "cgroup2", SuperOptions: "rw"}}, ""},
		{"v1 ignored", []mountinfo.Mount{{Point: "/sys/fs/cgroup/cpu", FSType: "cgroup", SuperOptions: "rw,cpu"}, {Point: "/u", FSType: "cgroup2", SuperOptions: "ro,nsdelegate"}}, "nsdelegate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cgroup2Options(tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
