package boot

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Node is an entry added to an archive besides the directory tree (device nodes cannot live in a test's
// temporary directory without privileges we do not want to depend on).
type Node struct {
	Path         string
	Mode         uint32 // including the type bits, e.g. unix.S_IFCHR|0600
	Major, Minor uint32
}

// writeCpio writes the tree under root, plus extra nodes, as a newc cpio archive (the initramfs format), owned
// by root.
func writeCpio(w io.Writer, root string, extra []Node) error {
	ino := uint32(1)
	header := func(name string, mode, size, nlink, rmaj, rmin uint32) error {
		_, err := fmt.Fprintf(w, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\x00",
			ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, len(name)+1, 0, name)
		ino++
		if err != nil {
			return err
		}
		return pad(w, 110+len(name)+1)
	}
	var paths []string
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	for _, p := range paths {
		name, _ := filepath.Rel(root, p)
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		perm := uint32(st.Mode().Perm())
		switch {
		case st.IsDir():
			err = header(name, 0o040000|perm, 0, 2, 0, 0)
		case st.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			if err = header(name, 0o120000|0o777, uint32(len(target)), 1, 0, 0); err == nil {
				if _, err = io.WriteString(w, target); err == nil {
					err = pad(w, len(target))
				}
			}
		case st.Mode().IsRegular():
			var b []byte
			if b, err = os.ReadFile(p); err == nil {
				if err = header(name, 0o100000|perm, uint32(len(b)), 1, 0, 0); err == nil {
					if _, err = w.Write(b); err == nil {
						err = pad(w, len(b))
					}
				}
			}
		}
		if err != nil {
			return fmt.Errorf("cpio: %s: %w", p, err)
		}
	}
	for _, n := range extra {
		if err := header(n.Path, n.Mode, 0, 1, n.Major, n.Minor); err != nil {
			return err
		}
	}
	return header("TRAILER!!!", 0, 0, 1, 0, 0)
}

func pad(w io.Writer, n int) error {
	if r := n % 4; r != 0 {
		_, err := w.Write(make([]byte, 4-r))
		return err
	}
	return nil
}
