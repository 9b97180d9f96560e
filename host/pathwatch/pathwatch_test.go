package pathwatch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readAll waits until the set is readable and reads what is queued (the kernel queues an event before the
// file operation that made it returns).
func readAll(t *testing.T, s *Set) []Record {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 5000); err != nil || n != 1 {
		t.Fatalf("poll: %d %v", n, err)
	}
	recs, err := s.Read()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestOpenLeavesOutMissingPaths(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "a", "b")
	s, watched, err := Open([]Watch{
		{Path: dir, Mask: unix.IN_CREATE},
		{Path: filepath.Join(dir, "a"), Mask: unix.IN_CREATE},
		{Path: missing, Mask: unix.IN_CLOSE_WRITE},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !slices.Equal(watched, []string{dir}) {
		t.Fatalf("watched %q, want only %q", watched, dir)
	}
	// Nothing is queued: Read returns at once with nothing.
	if recs, err := s.Read(); err != nil || len(recs) != 0 {
		t.Fatalf("Read on an empty queue: %v %v", recs, err)
	}
	if err := os.Mkdir(filepath.Join(dir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, s)
	if len(recs) != 1 || recs[0].Path != dir || recs[0].Name != "a" || recs[0].Mask&unix.IN_CREATE == 0 {
		t.Fatalf("records %+v, want IN_CREATE of a in %s", recs, dir)
	}
}

func TestRecordsOfThePathItself(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, watched, err := Open([]Watch{{Path: file, Mask: unix.IN_CLOSE_WRITE | unix.IN_DONT_FOLLOW}, {Path: file, Mask: unix.IN_CLOSE_WRITE}})
	if err != nil || len(watched) != 2 {
		t.Fatalf("Open: %v %v", watched, err)
	}
	defer s.Close()
	for range 3 {
		if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	recs := readAll(t, s)
	if len(recs) == 0 {
		t.Fatal("no record")
	}
	for _, r := range recs {
		if r.Path != file || r.Name != "" || r.Mask&unix.IN_CLOSE_WRITE == 0 {
			t.Errorf("record %+v, want IN_CLOSE_WRITE of %s", r, file)
		}
	}
}

func TestOpenRefusesABadMask(t *testing.T) {
	if _, _, err := Open([]Watch{{Path: t.TempDir(), Mask: 0}}); err == nil {
		t.Fatal("a watch with no event bit was accepted")
	}
}

func TestParseDropsATruncatedTail(t *testing.T) {
	s := &Set{paths: map[int32]string{1: "/x"}}
	b := make([]byte, unix.SizeofInotifyEvent+16)
	ev := (*unix.InotifyEvent)(unsafePointer(b))
	ev.Wd, ev.Mask, ev.Len = 1, unix.IN_CREATE, 16
	copy(b[unix.SizeofInotifyEvent:], "name\x00")
	if got := s.parse(b); len(got) != 1 || got[0] != (Record{Path: "/x", Name: "name", Mask: unix.IN_CREATE}) {
		t.Fatalf("parse: %+v", got)
	}
	if got := s.parse(b[:unix.SizeofInotifyEvent+3]); len(got) != 0 {
		t.Fatalf("a truncated record was parsed: %+v", got)
	}
}

func unsafePointer(b []byte) unsafe.Pointer { return unsafe.Pointer(&b[0]) }

// FuzzParse: any buffer parses without a panic into records that each fit in it.
func FuzzParse(f *testing.F) {
	b := make([]byte, unix.SizeofInotifyEvent+8)
	ev := (*unix.InotifyEvent)(unsafePointer(b))
	ev.Wd, ev.Mask, ev.Len = 1, unix.IN_CREATE, 8
	copy(b[unix.SizeofInotifyEvent:], "abc")
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &Set{paths: map[int32]string{1: "/x"}}
		for _, r := range s.parse(b) {
			if len(r.Name) > len(b) {
				t.Fatalf("name longer than the buffer: %q", r.Name)
			}
		}
	})
}
