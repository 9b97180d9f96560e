package system

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// The benchmark of this file measures mount tracking (docs/mount.md, "Mount tracking"): mounts made in the
// system's namespace by one process (python's ctypes, mount(2) in a loop, no mount(8) per mount) and the time
// until their units are active, from the core's own ActiveEnterTimestampMonotonic. It reports
//
//	ms-burst-1000  from the first of 1,000 mounts made at once to the unit of the last one active
//	ms-per-event   with those 1,000 mounts (and their units) in place, from one more mount to its unit active

// mountScript mounts a tmpfs on each directory given and prints CLOCK_MONOTONIC in µs from before the first.
const mountScript = `import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
for d in sys.argv[1:]:
    if libc.mount(b"tmpfs", d.encode(), b"tmpfs", 0, None) != 0:
        sys.exit("mount %s: errno %d" % (d, ctypes.get_errno()))
print(t0)
`

// mountAll mounts a tmpfs on each of dirs in s's namespace and returns CLOCK_MONOTONIC (µs) from just before.
func mountAll(b *testing.B, s *harness.System, dirs []string) int64 {
	out, err := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(s.InitPid), "-m", "--", "python3", "-c", mountScript}, dirs...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("mounting: %v\n%s", err, out)
	}
	t0, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		b.Fatalf("mounting: %q", out)
	}
	return t0
}

// activeAfter waits until unit is active and returns its ActiveEnterTimestampMonotonic minus t0.
func activeAfter(b *testing.B, s *harness.System, unit string, t0 int64) time.Duration {
	s.WaitActive(unit, "active", 60*time.Second)
	at, err := strconv.ParseInt(s.Show(unit, "ActiveEnterTimestampMonotonic"), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(at-t0) * time.Microsecond
}

func BenchmarkMountTracking(b *testing.B) {
	if _, err := exec.LookPath("python3"); err != nil {
		b.Skip("python3 is needed to make the mounts")
	}
	dir := b.TempDir()
	mkdirs := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = filepath.Join(dir, fmt.Sprintf("%s%04d", prefix, i))
			if err := os.Mkdir(out[i], 0o755); err != nil {
				b.Fatal(err)
			}
		}
		return out
	}
	burst := mkdirs("m", 1000)
	one := mkdirs("e", b.N)
	s := harness.Start(b, harness.Options{})
	t0 := mountAll(b, s, burst)
	d := activeAfter(b, s, mountUnitB(b, burst[len(burst)-1]), t0)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		total += activeAfter(b, s, mountUnitB(b, one[i]), mountAll(b, s, one[i:i+1]))
	}
	b.ReportMetric(float64(d)/float64(time.Millisecond), "ms-burst-1000")
	b.ReportMetric(float64(total)/float64(b.N)/float64(time.Millisecond), "ms-per-event")
}

func mountUnitB(b *testing.B, path string) string {
	n, err := unitnameFromPath(path)
	if err != nil {
		b.Fatal(err)
	}
	return n
}
