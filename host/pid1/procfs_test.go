package pid1

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseMountinfo(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []mountEntry
		err      string
	}{
		{"plain", "22 27 0:21 / /proc rw,relatime - proc proc rw\n",
			[]mountEntry{{"/proc", "proc", "rw"}}, ""},
		{"optional fields", "31 23 0:28 / /sys/fs/cgroup rw,nosuid shared:9 master:2 - cgroup2 cgroup2 rw,nsdelegate\n",
			[]mountEntry{{"/sys/fs/cgroup", "cgroup2", "rw,nsdelegate"}}, ""},
		{"escaped point", `40 27 0:50 / /mnt/a\040b\134c rw - tmpfs tmpfs rw` + "\n",
			[]mountEntry{{`/mnt/a b\c`, "tmpfs", "rw"}}, ""},
		{"empty source", "41 27 0:51 / /x rw - tmpfs  rw,size=4k\n",
			[]mountEntry{{"/x", "tmpfs", "rw,size=4k"}}, ""},
		{"no final newline", "22 27 0:21 / /proc rw - proc proc rw",
			[]mountEntry{{"/proc", "proc", "rw"}}, ""},
		{"empty", "", nil, ""},
		{"bad line skipped", "22 27 0:21 / /proc rw - proc proc rw\ngarbage\n23 27 0:22 / /sys rw - sysfs sysfs rw\n",
			[]mountEntry{{"/proc", "proc", "rw"}, {"/sys", "sysfs", "rw"}},
			`pid1: /proc/self/mountinfo line 2: want "id parent dev root point options … - type source superoptions", got "garbage"`},
		{"no separator", "22 27 0:21 / /proc rw proc proc rw\n", nil, "line 1"},
		{"nothing after separator", "22 27 0:21 / /proc rw -\n", nil, "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMountinfo(strings.NewReader(tc.in))
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

// The mountinfo of this very process parses without error and holds / and /proc.
func TestParseOwnMountinfo(t *testing.T) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := parseMountinfo(f)
	if err != nil {
		t.Fatal(err)
	}
	var points []string
	for _, m := range ms {
		points = append(points, m.point)
	}
	for _, want := range []string{"/", "/proc"} {
		if !isMountPoint(want) || !strings.Contains(" "+strings.Join(points, " ")+" ", " "+want+" ") {
			t.Errorf("%s is not a mount point of %q", want, points)
		}
	}
	if isMountPoint("/proc/self") {
		t.Error("/proc/self taken for a mount point")
	}
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add("22 27 0:21 / /proc rw,relatime - proc proc rw\n31 23 0:28 / /sys/fs/cgroup rw shared:9 - cgroup2 cgroup2 rw,nsdelegate\n")
	f.Add(`40 27 0:50 / /mnt/a\040b\13 rw - tmpfs  rw` + "\n-\n")
	f.Fuzz(func(t *testing.T, in string) {
		ms, _ := parseMountinfo(strings.NewReader(in))
		if len(ms) > strings.Count(in, "\n")+1 {
			t.Fatalf("%d entries from %d lines", len(ms), strings.Count(in, "\n")+1)
		}
		for _, m := range ms {
			if m.fstype == "" || m.superOpts == "" {
				t.Fatalf("entry without type or options: %+v", m)
			}
		}
	})
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     procStat
		err      string
	}{
		{"kthreadd", "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0",
			procStat{"kthreadd", 0, 2129984}, ""},
		{"odd name", "77 (a) b (c) S 1 77 77 0 -1 4194560 1 2", procStat{"a) b (c", 1, 4194560}, ""},
		{"empty name", "5 () R 4 5 5 0 -1 0", procStat{"", 4, 0}, ""},
		{"no comm", "5 sh R 4 5 5 0 -1 0", procStat{}, "no (comm)"},
		{"reversed parens", "5 )sh( R 4 5 5 0 -1 0", procStat{}, "no (comm)"},
		{"short", "5 (sh) R 4 5", procStat{}, "3 fields after the command name"},
		{"bad ppid", "5 (sh) R x 5 5 0 -1 0", procStat{}, `ppid "x"`},
		{"bad flags", "5 (sh) R 4 5 5 0 -1 -3", procStat{}, `flags "-3"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.in))
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
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

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0"))
	f.Add([]byte("77 (a) b (c) S 1 77 77 0 -1 4194560 1 2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err != nil {
			return
		}
		// What parses comes back the same from the kernel's format.
		again, err := parseStat(fmt.Appendf(nil, "1 (%s) S %d 0 0 0 -1 %d 0", st.comm, st.ppid, st.flags))
		if err != nil || again != st {
			t.Fatalf("%q: %+v, then %+v (%v)", b, st, again, err)
		}
	})
}

// On this machine the tests run in the initial PID namespace, with a /proc of their own: not a container by
// InContainer's measure exactly when pid 2 is a kernel thread called kthreadd.
func TestInContainerHere(t *testing.T) {
	st, err := readStat(2)
	want := err != nil || st.comm != "kthreadd" || st.flags&pfKthread == 0
	if got := InContainer(); got != want {
		t.Fatalf("InContainer() = %v; pid 2 is %+v (%v)", got, st, err)
	}
	if !procIsOurs() {
		t.Fatal("/proc of the test's own namespace not recognised as ours")
	}
}
