package path

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Inotify masks of a watch (src/core/path.c: path_spec_watch): the path itself gets its type's, each directory
// above it one that tells when the next part of the path appears or goes.
const (
	maskParent = unix.IN_MOVE_SELF | unix.IN_DELETE_SELF | unix.IN_CREATE | unix.IN_MOVED_TO
	maskExists = unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ATTRIB
	maskChange = unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ATTRIB | unix.IN_CLOSE_WRITE | unix.IN_CREATE |
		unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO
	maskModify   = maskChange | unix.IN_MODIFY
	maskNotEmpty = unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ATTRIB | unix.IN_CREATE | unix.IN_MOVED_TO
)

// mask is the inotify mask of the path of s itself.
func (s Spec) mask() uint32 {
	switch s.Type {
	case specChanged:
		return maskChange
	case specModified:
		return maskModify
	case specDirectoryNotEmpty:
		return maskNotEmpty
	}
	return maskExists
}

// watches are the inotify watches of s: each directory from "/" down to the path's parent, then the path itself,
// each both as itself and, if it is a symbolic link, where it points (as systemd watches both). A part that does
// not exist yet is left out by the host; the watch of the directory above it tells when it appears. A glob is
// watched through the directory it names literally.
func (s Spec) watches() []watch {
	var out []watch
	add := func(p string, m uint32) {
		out = append(out, watch{p, m | unix.IN_DONT_FOLLOW}, watch{p, m})
	}
	for i := 0; i < len(s.Path); i++ {
		if s.Path[i] != '/' {
			continue
		}
		p := s.Path[:i]
		if p == "" {
			p = "/"
		}
		add(p, maskParent)
	}
	add(s.Path, s.mask())
	return out
}

type watch struct {
	path string
	mask uint32
}

// good checks the condition of s as systemd's path_spec_check_good does and returns the path that triggers
// (the first match of a glob). PathChanged= and PathModified= are good only on a change of existence seen by a
// check that is neither the first after start nor one after the triggered unit went down: *prev keeps what the
// last check saw.
func (s Spec) good(initial, fromTrigger bool, prev *bool) (bool, string) {
	switch s.Type {
	case specExists:
		return exists(s.Path), s.Path
	case specExistsGlob:
		m, _ := filepath.Glob(s.Path)
		if len(m) == 0 {
			return false, ""
		}
		return true, m[0]
	case specDirectoryNotEmpty:
		return !dirEmpty(s.Path), s.Path
	case specChanged, specModified:
		b := exists(s.Path)
		good := !initial && !fromTrigger && b != *prev
		*prev = b
		return good, s.Path
	}
	return false, ""
}

func exists(p string) bool { return unix.Access(p, unix.F_OK) == nil }

// dirEmpty is systemd's dir_is_empty(path, ignore_hidden_or_backup=true): a path that is no directory, or does
// not exist, counts as empty; hidden and backup files do not count.
func dirEmpty(p string) bool {
	ents, err := os.ReadDir(p)
	if err != nil {
		// systemd counts only a missing path or one that is no directory as empty; any other error (EACCES)
		// as not empty.
		return errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR)
	}
	for _, e := range ents {
		if !hiddenOrBackup(e.Name()) {
			return false
		}
	}
	return true
}

// backupSuffixes are the suffixes of systemd's hidden_or_backup_file.
var backupSuffixes = []string{"~", ".rpmnew", ".rpmsave", ".rpmorig", ".dpkg-old", ".dpkg-new", ".dpkg-tmp",
	".dpkg-dist", ".dpkg-bak", ".dpkg-backup", ".dpkg-remove", ".ucf-new", ".ucf-old", ".ucf-dist", ".swp",
	".bak", ".old", ".new"}

func hiddenOrBackup(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	for _, s := range backupSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}
