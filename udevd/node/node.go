// Package node manages what udevd puts in /dev for a device: the node's owner, group and mode, and the /dev
// symlinks the rules asked for. Several devices may claim one symlink; like systemd-udevd, each claim is recorded
// in /run/udev/links/<escaped link>/<device id> (a symlink whose target is "priority:devnode"), and the link points
// at the claimant with the highest priority. Updates of one link are serialised with flock(2) on its directory,
// so workers may process devices in parallel.
package node

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// Node is a /dev tree and udev's runtime directory. The zero value is /dev and /run/udev.
type Node struct {
	// DevDir is the directory mounted as /dev ("/dev" when empty).
	DevDir string
	// RunDir is udev's runtime directory ("/run/udev" when empty).
	RunDir string
}

func (n Node) devDir() string {
	if n.DevDir == "" {
		return "/dev"
	}
	return n.DevDir
}

func (n Node) runDir() string {
	if n.RunDir == "" {
		return "/run/udev"
	}
	return n.RunDir
}

// fsPath maps a "/dev/…" path to the file system.
func (n Node) fsPath(p string) string {
	return filepath.Join(n.devDir(), strings.TrimPrefix(p, "/dev"))
}

// ApplyPermissions sets the owner, group and mode of the device's node. uid, gid and mode are -1 when no rule set
// them: owner and group are then root, and the mode 0660 when a group was set, else 0600. A node of another type
// or device number than the device is left alone.
func (n Node) ApplyPermissions(d *device.Device, uid, gid, mode int) error {
	if d.Devname == "" || !d.HasDevnum {
		return nil
	}
	p := n.fsPath(d.Devname)
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return fmt.Errorf("node %s: %w", p, err)
	}
	want := uint32(unix.S_IFCHR)
	if d.Subsystem == "block" {
		want = unix.S_IFBLK
	}
	if st.Mode&unix.S_IFMT != want || unix.Major(st.Rdev) != uint32(d.Major) || unix.Minor(st.Rdev) != uint32(d.Minor) {
		return fmt.Errorf("node %s: found a node of another type or device number, not changing it", p)
	}
	if mode < 0 {
		mode = 0o600
		if gid >= 0 {
			mode = 0o660
		}
	}
	if uid < 0 {
		uid = 0
	}
	if gid < 0 {
		gid = 0
	}
	if err := unix.Fchmodat(unix.AT_FDCWD, p, uint32(mode), 0); err != nil {
		return fmt.Errorf("node %s: %w", p, err)
	}
	if err := unix.Lchown(p, uid, gid); err != nil {
		return fmt.Errorf("node %s: %w", p, err)
	}
	return nil
}

// UpdateLinks makes the device's symlinks claim their names and drops the claims of old's symlinks that the
// device no longer has (old is its previous database entry, or nil).
func (n Node) UpdateLinks(d, old *device.Device) error {
	var errs []error
	if old != nil {
		for _, l := range old.Devlinks() {
			if !slices.Contains(d.Devlinks(), l) {
				errs = append(errs, n.updateLink(d, l, false))
			}
		}
	}
	for _, l := range d.Devlinks() {
		errs = append(errs, n.updateLink(d, l, true))
	}
	return errors.Join(errs...)
}

// RemoveLinks drops every claim of the device (on "remove").
func (n Node) RemoveLinks(d *device.Device) error {
	var errs []error
	for _, l := range d.Devlinks() {
		errs = append(errs, n.updateLink(d, l, false))
	}
	return errors.Join(errs...)
}

// escapeLink names a link's claim directory: the path below /dev with '/' and '\' hex-escaped, as udevd does.
func escapeLink(link string) string {
	var b strings.Builder
	for _, c := range []byte(strings.TrimPrefix(link, "/dev")) {
		if c == '/' || c == '\\' || c < ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "\\x%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (n Node) updateLink(d *device.Device, link string, add bool) error {
	if d.Devname == "" {
		return nil
	}
	if link == d.Devname {
		return nil // a link over the device's own node is never made
	}
	dir := filepath.Join(n.runDir(), "links", escapeLink(link))
	// Another worker removes the directory when it drops the last claim; start again when that happened between
	// our mkdir and our claim.
	for try := 0; ; try++ {
		err := n.updateLinkLocked(d, link, dir, add)
		if !errors.Is(err, errGone) || try == 10 {
			return err
		}
	}
}

var errGone = errors.New("node: claim directory removed")

func (n Node) updateLinkLocked(d *device.Device, link, dir string, add bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return errGone
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Nlink == 0 {
		return errGone
	}
	claim := filepath.Join(dir, d.ID())
	_ = os.Remove(claim)
	if add {
		if err := os.Symlink(strconv.Itoa(d.LinkPriority)+":"+d.Devname, claim); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return errGone
			}
			return err
		}
	}
	target, ok := bestClaim(dir, d, add)
	lp := n.fsPath(link)
	if !ok {
		if st, err := os.Lstat(lp); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			_ = os.Remove(lp)
			n.removeEmptyDirs(filepath.Dir(lp))
		}
		_ = os.Remove(dir) // fails while another device is taking a claim, which is fine
		return nil
	}
	return n.makeLink(lp, n.fsPath(target))
}

// bestClaim returns the node of the highest-priority claim in dir; the device being added wins a tie, other ties
// go to the first id in sort order.
func bestClaim(dir string, d *device.Device, add bool) (string, bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", false
	}
	best, bestPrio, found := "", 0, false
	if add {
		best, bestPrio, found = d.Devname, d.LinkPriority, true
	}
	for _, e := range ents {
		t, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		ps, node, ok := strings.Cut(t, ":")
		prio, err := strconv.Atoi(ps)
		if !ok || err != nil || node == "" {
			continue
		}
		if !found || prio > bestPrio {
			best, bestPrio, found = node, prio, true
		}
	}
	return best, found
}

// makeLink points lp at node with a relative symlink, replacing an old symlink atomically; a file that is not a
// symlink is never replaced.
func (n Node) makeLink(lp, node string) error {
	if st, err := os.Lstat(lp); err == nil && st.Mode()&fs.ModeSymlink == 0 {
		return fmt.Errorf("node: conflicting file %s, not replacing it with a symlink", lp)
	}
	if err := os.MkdirAll(filepath.Dir(lp), 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(lp), node)
	if err != nil {
		return err
	}
	if cur, err := os.Readlink(lp); err == nil && cur == rel {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(lp), ".#udev-tmp-"+strconv.Itoa(os.Getpid())+"-"+filepath.Base(lp))
	_ = os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, lp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// removeEmptyDirs removes dir and its parents below the /dev root while they are empty.
func (n Node) removeEmptyDirs(dir string) {
	root := filepath.Clean(n.devDir())
	for dir != root && strings.HasPrefix(dir, root+"/") {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}
