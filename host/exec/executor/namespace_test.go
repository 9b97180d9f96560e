package executor

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRemountFallback checks the path for kernels without mount_setattr(2) (and an optional read-only tmpfs
// that is missing), in this process: a goroutine
// locked to its thread unshares the mount namespace and never unlocks, so the thread ends with it.
func TestRemountFallback(t *testing.T) {
	saved := haveMountSetattr
	defer func() { haveMountSetattr = saved }()
	haveMountSetattr = false
	type result struct {
		usr, proc, mnt uint64
		err            error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread()
		var r result
		defer func() { done <- r }()
		es := []mountEntry{{kind: mReadOnly, path: "/usr", directive: "ReadOnlyPaths="},
			{kind: mReadOnly, path: "/proc", directive: "ReadOnlyPaths="},
			{kind: mTmpfs, path: "/mnt", options: "ro,nosuid", directive: "TemporaryFileSystem="},
			// ProtectHome=tmpfs's entries are optional: a missing one is skipped, its read-only step too.
			{kind: mTmpfs, path: "/nonexistent/sysmaster", options: "ro", optional: true, directive: "ProtectHome="}}
		if r.err = setupNamespace("", es, ""); r.err != nil {
			return
		}
		for p, dst := range map[string]*uint64{"/usr": &r.usr, "/proc": &r.proc, "/mnt": &r.mnt} {
			var st unix.Statfs_t
			if r.err = unix.Statfs(p, &st); r.err != nil {
				return
			}
			*dst = uint64(st.Flags)
		}
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.usr&unix.ST_RDONLY == 0 {
		t.Errorf("/usr: flags %#x, not read-only", r.usr)
	}
	// The flags the mount had stay.
	var proc unix.Statfs_t
	if err := unix.Statfs("/proc", &proc); err != nil {
		t.Fatal(err)
	}
	if want := uint64(proc.Flags) | unix.ST_RDONLY; r.proc != want {
		t.Errorf("/proc: flags %#x, want %#x", r.proc, want)
	}
	if want := uint64(unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_NODEV); r.mnt&want != want {
		t.Errorf("/mnt: flags %#x, want %#x set", r.mnt, want)
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/usr", &st); err != nil || st.Flags&unix.ST_RDONLY != 0 {
		t.Errorf("the test's own /usr changed: %#x %v", st.Flags, err)
	}
}
