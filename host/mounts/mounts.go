// Package mounts tracks the mount table of the core's mount namespace (systemd's mount_enumerate and
// mount_dispatch_io): it reads /proc/self/mountinfo, waits for the kernel to mark the file with POLLPRI when
// the table changes, and reports what was mounted, changed or unmounted since the last read. The core makes a
// .mount unit of every entry and hands each change to the mount plugin.
//
//	w, err := mounts.Watch(func(ch []mounts.Change) { post(ch) })
//	…
//	w.Close()
package mounts

import (
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// Entry is one mount as the mount unit of its mount point sees it.
type Entry struct {
	Where  string // the mount point
	What   string // the source: a device, a file system name (tmpfs), a server's path
	FSType string
	// Options are the mount's options followed by its file system's ("rw,nosuid,relatime,size=1024k"), as
	// libmount joins them.
	Options string
}

// Change is a mount that appeared or changed (Mounted) or went away (not Mounted).
type Change struct {
	Entry
	Mounted bool
}

// Table is a mount table by mount point. Of mounts stacked on one point, the last one, the one that is seen,
// stands for the point.
type Table map[string]Entry

// Read reads the mount table of the calling process's mount namespace.
func Read() (Table, error) {
	infos, err := mountinfo.GetMounts(nil)
	if err != nil {
		return nil, err
	}
	t := make(Table, len(infos))
	for _, i := range infos {
		if i.FSType == "autofs" {
			// An automount's trap is the automount unit's, not a mount (as systemd skips it): what is
			// mounted over it stands for the point.
			continue
		}
		opts := i.Options
		if i.VFSOptions != "" {
			opts += "," + i.VFSOptions
		}
		t[i.Mountpoint] = Entry{Where: i.Mountpoint, What: i.Source, FSType: i.FSType, Options: opts}
	}
	return t, nil
}

// Diff lists what changed from old to now: unmounts first, the deepest mount point first, then mounts and
// changed mounts, parents before what is mounted on them.
func Diff(old, now Table) []Change {
	var gone, came []Change
	for where, e := range old {
		if _, ok := now[where]; !ok {
			gone = append(gone, Change{Entry: e})
		}
	}
	for where, e := range now {
		if o, ok := old[where]; !ok || o != e {
			came = append(came, Change{Entry: e, Mounted: true})
		}
	}
	sort.Slice(gone, func(i, j int) bool { return deeper(gone[i].Where, gone[j].Where) })
	sort.Slice(came, func(i, j int) bool { return deeper(came[j].Where, came[i].Where) })
	return append(gone, came...)
}

// deeper orders mount points by depth, then by name, so that a parent comes before its children.
func deeper(a, b string) bool {
	da, db := strings.Count(a, "/"), strings.Count(b, "/")
	if a == "/" {
		da = 0
	}
	if b == "/" {
		db = 0
	}
	if da != db {
		return da > db
	}
	return a > b
}
