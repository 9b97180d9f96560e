package listen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Close closes f (which may be nil, after a core restart that lost it) and, with RemoveOnStop=yes, removes the
// socket file or FIFO and the Symlinks= that s names. Files already gone are no error. Only a socket (or FIFO) is
// removed at the address path, and only symlinks at the Symlinks= paths: whatever else has taken their place
// since is not ours.
func Close(f *os.File, s *pb.OpenSocket) error {
	var errs []error
	if f != nil {
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if s == nil {
		return errors.Join(errs...)
	}
	o, err := parseOptions(s.Options)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if !o.removeOnStop {
		return errors.Join(errs...)
	}
	// IPv6 support does not matter here: only file addresses have anything to remove.
	if a, err := parseAddress(s.Family, s.Type, s.Address, true); err != nil {
		errs = append(errs, err)
	} else if a.isFile() {
		want := fs.ModeSocket
		if a.family == familyFIFO {
			want = fs.ModeNamedPipe
		}
		errs = append(errs, removeIf(a.path, want))
	}
	for _, l := range o.symlinks {
		errs = append(errs, removeIf(l, fs.ModeSymlink))
	}
	return errors.Join(errs...)
}

// removeIf removes p if it is a file of type want.
func removeIf(p string, want fs.FileMode) error {
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("RemoveOnStop=: %w", err)
	}
	if st.Mode().Type() != want {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("RemoveOnStop=: %w", err)
	}
	return nil
}
