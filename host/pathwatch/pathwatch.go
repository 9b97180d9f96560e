// Package pathwatch holds the inotify descriptors of path units for the core. A Set is one inotify descriptor
// with the watches a plugin asked for (man inotify(7)); the core holds it, polls it with its other descriptors
// (host/fdwatch) and hands what Read returns to the unit's plugin, so that a plugin that crashes or is replaced
// loses no event: the descriptor, and the events queued in it, stay in the core.
//
// The package knows nothing of path units: which paths to watch (the path itself and each directory above it,
// as systemd does, so that a path that does not exist yet is seen when it appears) and what a record means are
// the path plugin's business.
package pathwatch

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Watch is one inotify_add_watch(2): a path and its IN_* mask.
type Watch struct {
	Path string
	Mask uint32
}

// Record is one inotify event. Path is the path of the watch it came from as Open was given it, Name the entry
// of a watched directory it is about ("" for the watched path itself). A queue overflow is a Record with
// IN_Q_OVERFLOW and no Path.
type Record struct {
	Path, Name string
	Mask       uint32
}

// Set is one inotify descriptor and its watches. Its zero value is not usable; Open makes one.
type Set struct {
	fd    int
	f     *os.File
	paths map[int32]string // watch descriptor → the path it was asked for first
}

// Open makes an inotify descriptor (non-blocking, close-on-exec) and adds watches in order. A watch on a path
// that does not exist or may not be searched (ENOENT, EACCES, ENOTDIR) is left out, as a path unit expects of
// the parts of its path that are not there yet; any other failure closes the descriptor and is returned.
// watched lists the paths whose watch was added.
func Open(watches []Watch) (s *Set, watched []string, err error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("pathwatch: inotify_init1: %w", err)
	}
	s = &Set{fd: fd, f: os.NewFile(uintptr(fd), "inotify"), paths: map[int32]string{}}
	// os.File.Fd, which the core's poller calls, puts a descriptor in blocking mode the first time: take that
	// turn now and make it non-blocking again, so that Read never waits.
	s.f.Fd()
	if err := unix.SetNonblock(fd, true); err != nil {
		s.f.Close()
		return nil, nil, fmt.Errorf("pathwatch: %w", err)
	}
	for _, w := range watches {
		wd, err := unix.InotifyAddWatch(fd, w.Path, w.Mask)
		switch {
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.EACCES), errors.Is(err, unix.ENOTDIR):
			continue
		case err != nil:
			s.f.Close()
			return nil, nil, fmt.Errorf("pathwatch: watching %s: %w", w.Path, err)
		}
		if _, ok := s.paths[int32(wd)]; !ok {
			s.paths[int32(wd)] = w.Path
		}
		watched = append(watched, w.Path)
	}
	return s, watched, nil
}

// File is the inotify descriptor, for polling. It stays the Set's: Close closes it.
func (s *Set) File() *os.File { return s.f }

// Close closes the descriptor; its watches go with it.
func (s *Set) Close() error { return s.f.Close() }

// Read returns the records queued in the descriptor, in order, reading until none is left; none when nothing
// was queued. Records of a watch the kernel dropped (IN_IGNORED, after its inode went) carry its path too.
func (s *Set) Read() ([]Record, error) {
	var out []Record
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		n, err := unix.Read(s.fd, buf)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return out, nil
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return out, fmt.Errorf("pathwatch: reading inotify: %w", err)
		case n <= 0:
			return out, nil
		}
		out = append(out, s.parse(buf[:n])...)
	}
}

// parse splits one read's buffer into records; a truncated tail (which the kernel never writes) is dropped.
func (s *Set) parse(b []byte) []Record {
	var out []Record
	for len(b) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := unix.SizeofInotifyEvent + int(ev.Len)
		if end > len(b) {
			break
		}
		name := b[unix.SizeofInotifyEvent:end]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		out = append(out, Record{Path: s.paths[ev.Wd], Name: string(name), Mask: ev.Mask})
		b = b[end:]
	}
	return out
}
