package mountinfo

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []Mount
		err      string
	}{
		{"plain", "22 27 0:21 / /proc rw,relatime - proc proc rw\n",
			[]Mount{{"/", "/proc", "rw,relatime", "proc", "proc", "rw"}}, ""},
		{"optional fields", "31 23 0:28 / /sys/fs/cgroup rw,nosuid shared:9 master:2 - cgroup2 cgroup2 rw,nsdelegate\n",
			[]Mount{{"/", "/sys/fs/cgroup", "rw,nosuid", "cgroup2", "cgroup2", "rw,nsdelegate"}}, ""},
		{"escaped root and point", `40 27 0:50 /a\040b /mnt/a\040b\134c rw - tmpfs tmpfs rw` + "\n",
			[]Mount{{"/a b", `/mnt/a b\c`, "rw", "tmpfs", "tmpfs", "rw"}}, ""},
		{"empty source", "41 27 0:51 / /x rw - tmpfs  rw,size=4k\n",
			[]Mount{{"/", "/x", "rw", "tmpfs", "", "rw,size=4k"}}, ""},
		{"no final newline", "22 27 0:21 / /proc rw - proc proc rw",
			[]Mount{{"/", "/proc", "rw", "proc", "proc", "rw"}}, ""},
		{"empty", "", nil, ""},
		{"bad line skipped", "22 27 0:21 / /proc rw - proc proc rw\ngarbage\n23 27 0:22 / /sys rw - sysfs sysfs rw\n",
			[]Mount{{"/", "/proc", "rw", "proc", "proc", "rw"}, {"/", "/sys", "rw", "sysfs", "sysfs", "rw"}},
			`mountinfo: line 2: want "id parent dev root point options … - type source superoptions", got "garbage"`},
		{"no separator", "22 27 0:21 / /proc rw proc proc rw\n", nil, "line 1"},
		{"nothing after separator", "22 27 0:21 / /proc rw -\n", nil, "line 1"},
		{"too much after separator", "22 27 0:21 / /proc rw - proc proc rw extra\n", nil, "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tc.in))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("entries %q, want %q", got, tc.want)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// The mount table of this very process parses without error and holds / and /proc.
func TestReadOwn(t *testing.T) {
	ms, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/", "/proc"} {
		if !IsMountPoint(want) {
			t.Errorf("%s is not a mount point of %v", want, ms)
		}
	}
	if IsMountPoint("/proc/self") {
		t.Error("/proc/self taken for a mount point")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("22 27 0:21 / /proc rw,relatime - proc proc rw\n31 23 0:28 / /sys/fs/cgroup rw shared:9 - cgroup2 cgroup2 rw,nsdelegate\n")
	f.Add(`40 27 0:50 / /mnt/a\040b\13 rw - tmpfs  rw` + "\n-\n")
	f.Fuzz(func(t *testing.T, in string) {
		ms, _ := Parse(strings.NewReader(in))
		if len(ms) > strings.Count(in, "\n")+1 {
			t.Fatalf("%d entries from %d lines", len(ms), strings.Count(in, "\n")+1)
		}
		for _, m := range ms {
			if m.FSType == "" || m.SuperOptions == "" || m.Point == "" {
				t.Fatalf("entry without type, options or point: %+v", m)
			}
		}
	})
}
