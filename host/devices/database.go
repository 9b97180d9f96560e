package devices

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Paths say where udev's database and sysfs are. The zero value is /run/udev and /sys.
type Paths struct {
	Run string // udev's runtime directory, holding data/ and tags/
	Sys string // the sysfs mount point
}

func (p Paths) run() string {
	if p.Run == "" {
		return "/run/udev"
	}
	return p.Run
}

func (p Paths) sys() string {
	if p.Sys == "" {
		return "/sys"
	}
	return p.Sys
}

// Enumerate returns the devices udev's database indexes under tag (systemd's enumeration at start reads
// /run/udev/tags/systemd), each with what the database and its sysfs uevent file say, Action "add". A device
// whose entry or sysfs directory has gone meanwhile is left out. No database (udevd never ran) is no device.
func Enumerate(p Paths, tag string) ([]*Device, error) {
	ents, err := os.ReadDir(filepath.Join(p.run(), "tags", tag))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var devs []*Device
	for _, e := range ents {
		syspath := p.syspath(e.Name())
		if syspath == "" {
			continue
		}
		d := &Device{Syspath: syspath, Action: "add", Properties: map[string]string{"ACTION": "add"}}
		if !p.readUevent(d) || !p.readData(d, e.Name()) {
			continue
		}
		devs = append(devs, d)
	}
	return devs, nil
}

// syspath resolves a database id to the device's sysfs path (sd-device's device id): "b7:5" and "c4:1" by
// device number, "n3" by interface index, "+subsystem:sysname" by name. "" when no device has it now.
func (p Paths) syspath(id string) string {
	sys := p.sys()
	var link string
	switch {
	case strings.HasPrefix(id, "b"):
		link = filepath.Join(sys, "dev/block", id[1:])
	case strings.HasPrefix(id, "c"):
		link = filepath.Join(sys, "dev/char", id[1:])
	case strings.HasPrefix(id, "n"):
		ifs, _ := filepath.Glob(filepath.Join(sys, "class/net/*/ifindex"))
		for _, f := range ifs {
			if b, err := os.ReadFile(f); err == nil && strings.TrimSpace(string(b)) == id[1:] {
				link = filepath.Dir(f)
				break
			}
		}
	case strings.HasPrefix(id, "+"):
		subsystem, sysname, ok := strings.Cut(id[1:], ":")
		if !ok {
			return ""
		}
		sysname = strings.ReplaceAll(sysname, "!", "/")
		link = filepath.Join(sys, "bus", subsystem, "devices", sysname)
		if _, err := os.Lstat(link); err != nil {
			link = filepath.Join(sys, "class", subsystem, sysname)
		}
	}
	if link == "" {
		return ""
	}
	real, err := filepath.EvalSymlinks(link)
	if err != nil {
		return ""
	}
	// sysfs is often a bind mount or symlink away in tests; keep the path under the sysfs mount point given.
	if rel, err := filepath.Rel(evalOr(sys), real); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(sys, rel)
	}
	return real
}

func evalOr(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// readUevent adds what the kernel says of the device: DEVPATH, SUBSYSTEM, and its uevent file's DEVNAME, DEVTYPE,
// MAJOR, MINOR, IFINDEX, DRIVER…
func (p Paths) readUevent(d *Device) bool {
	b, err := os.ReadFile(filepath.Join(d.Syspath, "uevent"))
	if err != nil {
		return false
	}
	d.Properties["DEVPATH"] = strings.TrimPrefix(d.Syspath, p.sys())
	if sub, err := os.Readlink(filepath.Join(d.Syspath, "subsystem")); err == nil {
		d.Properties["SUBSYSTEM"] = filepath.Base(sub)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			d.Properties[k] = v
		}
	}
	if n := d.Properties["DEVNAME"]; n != "" {
		d.Devnode = absDevnode(n)
		d.Properties["DEVNAME"] = d.Devnode
	}
	return true
}

// readData adds the device's database entry (udevd's format, see udevd/db): S: symlinks, E: properties, Q:
// current tags (G: for an entry of a udev older than 247, which writes no V: line and no current tags).
func (p Paths) readData(d *Device, id string) bool {
	f, err := os.Open(filepath.Join(p.run(), "data", id))
	if err != nil {
		return false
	}
	defer f.Close()
	return parseData(d, f) == nil
}

// parseData reads a database entry into d.
func parseData(d *Device, r io.Reader) error {
	var all, current []string
	versioned := false
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		v := line[2:]
		switch line[0] {
		case 'S':
			d.Links = append(d.Links, "/dev/"+v)
		case 'E':
			if k, val, ok := strings.Cut(v, "="); ok {
				d.Properties[k] = val
			}
		case 'G':
			all = append(all, v)
		case 'Q':
			current = append(current, v)
		case 'V':
			versioned = true
		}
	}
	if !versioned {
		current = all // sd-device's database_version 0
	}
	d.Tags = current
	if len(d.Links) > 0 {
		d.Properties["DEVLINKS"] = strings.Join(d.Links, " ")
	}
	if len(all) > 0 {
		d.Properties["TAGS"] = ":" + strings.Join(all, ":") + ":"
	}
	if len(current) > 0 {
		d.Properties["CURRENT_TAGS"] = ":" + strings.Join(current, ":") + ":"
	}
	return sc.Err()
}
