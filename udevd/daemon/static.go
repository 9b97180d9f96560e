package daemon

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// staticNodes makes the nodes modules.devname lists (devices whose module loads when the node is first opened,
// like /dev/fuse), as systemd's kmod-static-nodes and tmpfiles do, then applies the rules' OPTIONS+="static_node="
// owner, group, mode and tags to them.
func (d *Daemon) staticNodes() {
	f, err := os.Open(d.cfg.ModulesDevname)
	if err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			d.staticNode(sc.Text())
		}
		f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) {
		d.log.logf(levelErr, "%s: %v", d.cfg.ModulesDevname, err)
	}
	for _, sn := range d.proc.Load().Rules.StaticNodes() {
		p := filepath.Join(d.cfg.DevDir, sn.Node)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if sn.UID >= 0 || sn.GID >= 0 {
			if err := os.Chown(p, sn.UID, sn.GID); err != nil {
				d.log.logf(levelErr, "static node %s: %v", p, err)
			}
		}
		if sn.Mode >= 0 {
			if err := os.Chmod(p, fs.FileMode(sn.Mode)); err != nil {
				d.log.logf(levelErr, "static node %s: %v", p, err)
			}
		}
		for _, t := range sn.Tags {
			dir := filepath.Join(d.cfg.RunDir, "static_node-tags", t)
			_ = os.MkdirAll(dir, 0o755)
			link := filepath.Join(dir, strings.ReplaceAll(sn.Node, "/", "\\x2f"))
			_ = os.Remove(link)
			_ = os.Symlink(p, link)
		}
	}
}

// staticNode creates the node of one modules.devname line "module name c|bMAJOR:MINOR", unless it exists.
func (d *Daemon) staticNode(line string) {
	f := strings.Fields(line)
	if len(f) != 3 || strings.HasPrefix(f[0], "#") || len(f[2]) < 4 {
		return
	}
	typ := uint32(unix.S_IFCHR)
	switch f[2][0] {
	case 'c':
	case 'b':
		typ = unix.S_IFBLK
	default:
		return
	}
	ma, mi, ok := strings.Cut(f[2][1:], ":")
	major, err1 := strconv.ParseUint(ma, 10, 32)
	minor, err2 := strconv.ParseUint(mi, 10, 32)
	if !ok || err1 != nil || err2 != nil || strings.Contains(f[1], "..") {
		return
	}
	p := filepath.Join(d.cfg.DevDir, f[1])
	if _, err := os.Lstat(p); err == nil {
		return
	}
	_ = os.MkdirAll(filepath.Dir(p), 0o755)
	if err := unix.Mknod(p, typ|0o600, int(unix.Mkdev(uint32(major), uint32(minor)))); err != nil {
		d.log.logf(levelErr, "static node %s: %v", p, err)
	}
}
