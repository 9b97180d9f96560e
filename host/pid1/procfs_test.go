package pid1

import (
	"fmt"
	"strings"
	"testing"
)

// The mountinfo of this very process parses without error and holds / and /proc.
func TestParseOwnMountinfo(t *testing.T) {
	var points []string
	for _, m := range mounts() {
		points = append(points, m.Point)
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
