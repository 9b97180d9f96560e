package device

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNotFound says a device, parent or attribute does not exist.
var ErrNotFound = errors.New("device: not found")

// Sysfs is a sysfs tree. The zero value reads /sys.
type Sysfs struct {
	// Root is the directory mounted as /sys; empty means "/sys".
	Root string
}

func (s Sysfs) root() string {
	if s.Root == "" {
		return "/sys"
	}
	return s.Root
}

// Device is one kernel device and what udev knows about it.
type Device struct {
	sysfs Sysfs

	// Devpath is the path below the sysfs root, "/devices/…".
	Devpath string
	// Sysname is the last element of Devpath, '!' turned into '/' (the kernel's KERNEL name).
	Sysname string
	// Sysnum is the trailing decimal digits of Sysname ("" if none).
	Sysnum    string
	Subsystem string
	Driver    string
	Devtype   string
	// Devname is the absolute node path ("/dev/sda"), empty without a node.
	Devname string
	// Major and Minor are the device number; HasDevnum says whether there is one.
	Major, Minor int
	HasDevnum    bool
	// Ifindex is the network interface index, 0 when not a network interface.
	Ifindex int
	// Action is the uevent action ("add", "change", "remove", …), empty for a device read from sysfs alone.
	Action string

	props map[string]string
	// dbProps are the properties set by rules and imports (those udev saves in its database), a subset of props.
	dbProps map[string]bool

	tags, currentTags []string
	devlinks          []string
	// LinkPriority is the priority of this device's /dev symlinks (OPTIONS="link_priority=").
	LinkPriority int
	// DBPersist keeps the database entry across the initrd's cleanup (OPTIONS="db_persist").
	DBPersist bool
	// Watch says whether udevd watches the node with inotify (OPTIONS="watch"/"nowatch").
	Watch bool

	parent       *Device
	parentLoaded bool
}

// New reads the device at devpath ("/devices/…", or any path below the root that resolves to one, like
// "/class/net/lo"). It fails with ErrNotFound when the directory has no uevent file.
func (s Sysfs) New(devpath string) (*Device, error) {
	if !strings.HasPrefix(devpath, "/") {
		devpath = "/" + devpath
	}
	root := s.root()
	syspath := filepath.Join(root, devpath)
	real, err := filepath.EvalSymlinks(syspath)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", devpath, ErrNotFound)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(realRoot, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("device %s: outside of %s", devpath, root)
	}
	return s.newResolved("/" + rel)
}

// newResolved reads the device at devpath, which names its real directory (no symlink in it).
func (s Sysfs) newResolved(devpath string) (*Device, error) {
	real := filepath.Join(s.root(), devpath)
	if _, err := os.Stat(filepath.Join(real, "uevent")); err != nil {
		return nil, fmt.Errorf("device %s: %w", devpath, ErrNotFound)
	}
	d := &Device{sysfs: s, Devpath: devpath, props: map[string]string{}, dbProps: map[string]bool{}}
	d.setNames()
	if link, err := os.Readlink(filepath.Join(real, "subsystem")); err == nil {
		d.Subsystem = path.Base(link)
	}
	if link, err := os.Readlink(filepath.Join(real, "driver")); err == nil {
		d.Driver = path.Base(link)
	}
	if err := d.readUevent(filepath.Join(real, "uevent")); err != nil {
		return nil, err
	}
	d.props["DEVPATH"] = d.Devpath
	if d.Subsystem != "" {
		d.props["SUBSYSTEM"] = d.Subsystem
	}
	if d.Driver != "" {
		d.props["DRIVER"] = d.Driver
	}
	return d, nil
}

// setNames derives Sysname and Sysnum from Devpath.
func (d *Device) setNames() {
	d.Sysname = strings.ReplaceAll(path.Base(d.Devpath), "!", "/")
	i := len(d.Sysname)
	for i > 0 && d.Sysname[i-1] >= '0' && d.Sysname[i-1] <= '9' {
		i--
	}
	d.Sysnum = d.Sysname[i:]
}

func (d *Device) readUevent(file string) error {
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil
		}
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var major, minor string
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || k == "" {
			continue
		}
		d.SetUeventProperty(k, v)
		switch k {
		case "MAJOR":
			major = v
		case "MINOR":
			minor = v
		}
	}
	if major != "" {
		d.setDevnum(major, minor)
	}
	return sc.Err()
}

func (d *Device) setDevnum(major, minor string) {
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if err1 == nil && err2 == nil {
		d.Major, d.Minor, d.HasDevnum = ma, mi, true
	}
}

// SetUeventProperty sets a property the kernel reported (from the uevent file or a received uevent). Unlike
// SetProperty, it is not saved in the database, and the well-known keys update the Device's fields.
func (d *Device) SetUeventProperty(k, v string) {
	switch k {
	case "DEVNAME":
		if !strings.HasPrefix(v, "/") {
			v = "/dev/" + v
		}
		d.Devname = v
	case "DEVTYPE":
		d.Devtype = v
	case "DRIVER":
		d.Driver = v
	case "SUBSYSTEM":
		d.Subsystem = v
	case "IFINDEX":
		d.Ifindex, _ = strconv.Atoi(v)
	case "ACTION":
		d.Action = v
	case "MAJOR":
		d.setDevnum(v, strconv.Itoa(d.Minor))
	case "MINOR":
		if d.HasDevnum {
			d.setDevnum(strconv.Itoa(d.Major), v)
		}
	}
	d.props[k] = v
}

// Syspath is the device's directory under the sysfs root.
func (d *Device) Syspath() string { return filepath.Join(d.sysfs.root(), d.Devpath) }

// Sysfs is the tree the device was read from.
func (d *Device) Sysfs() Sysfs { return d.sysfs }

// ID is udev's name for the device in its database: "b8:0", "c4:64", "n3" or "+subsystem:sysname".
func (d *Device) ID() string {
	switch {
	case d.HasDevnum:
		t := "c"
		if d.Subsystem == "block" {
			t = "b"
		}
		return fmt.Sprintf("%s%d:%d", t, d.Major, d.Minor)
	case d.Ifindex > 0:
		return "n" + strconv.Itoa(d.Ifindex)
	default:
		return "+" + d.Subsystem + ":" + strings.ReplaceAll(d.Sysname, "/", "!")
	}
}

// Property returns a property; DEVLINKS, TAGS and CURRENT_TAGS are built from the device's links and tags.
func (d *Device) Property(k string) (string, bool) {
	switch k {
	case "DEVLINKS":
		if len(d.devlinks) == 0 {
			return "", false
		}
		return strings.Join(d.devlinks, " "), true
	case "TAGS":
		return joinTags(d.tags)
	case "CURRENT_TAGS":
		return joinTags(d.currentTags)
	}
	v, ok := d.props[k]
	return v, ok
}

func joinTags(t []string) (string, bool) {
	if len(t) == 0 {
		return "", false
	}
	return ":" + strings.Join(t, ":") + ":", true
}

// SetProperty sets (or with v == "" removes) a property the way rules and imports do: it is saved in the
// database unless its name starts with '.'.
func (d *Device) SetProperty(k, v string) {
	if v == "" {
		delete(d.props, k)
		delete(d.dbProps, k)
		return
	}
	d.props[k] = v
	if !strings.HasPrefix(k, ".") {
		d.dbProps[k] = true
	}
}

// PropertyKeys returns the names of every property, sorted, including DEVLINKS and TAGS when set.
func (d *Device) PropertyKeys() []string {
	keys := make([]string, 0, len(d.props)+3)
	for k := range d.props {
		keys = append(keys, k)
	}
	for _, k := range []string{"DEVLINKS", "TAGS", "CURRENT_TAGS"} {
		if _, ok := d.Property(k); ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// DBPropertyKeys returns the names of the properties set by rules and imports, sorted.
func (d *Device) DBPropertyKeys() []string {
	keys := make([]string, 0, len(d.dbProps))
	for k := range d.dbProps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Environ returns the properties as KEY=value strings, the environment of the programs rules run.
func (d *Device) Environ() []string {
	var env []string
	for _, k := range d.PropertyKeys() {
		v, _ := d.Property(k)
		env = append(env, k+"="+v)
	}
	return env
}

// Parent returns the nearest ancestor directory that is a device, or nil at the top.
func (d *Device) Parent() *Device {
	if d.parentLoaded {
		return d.parent
	}
	d.parentLoaded = true
	for p := path.Dir(d.Devpath); strings.HasPrefix(p, "/devices/"); p = path.Dir(p) {
		if pd, err := d.sysfs.newResolved(p); err == nil {
			d.parent = pd
			break
		}
	}
	return d.parent
}

// Attr reads the sysfs attribute name (a path relative to the device). A symlink reads as the last element of its
// target (udev's "driver", "subsystem"); trailing newlines are removed. A missing or unreadable attribute is an
// error.
func (d *Device) Attr(name string) (string, error) {
	return ReadAttr(filepath.Join(d.Syspath(), name))
}

// ReadAttr reads the sysfs attribute at the absolute path p as Attr does.
func ReadAttr(p string) (string, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return "", err
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		return path.Base(t), nil
	case st.IsDir():
		return "", fmt.Errorf("%s: is a directory", p)
	case st.Mode().Perm()&0o400 == 0:
		return "", fmt.Errorf("%s: %w", p, fs.ErrPermission)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// SetAttr writes value to the sysfs attribute name.
func (d *Device) SetAttr(name, value string) error {
	return os.WriteFile(filepath.Join(d.Syspath(), name), []byte(value), 0)
}

// Identity returns a Device with d's identity (path, names, subsystem, device number, node) and nothing the rules
// add, to read the database entry of the same device into.
func (d *Device) Identity() *Device {
	c := &Device{sysfs: d.sysfs, Devpath: d.Devpath, Sysname: d.Sysname, Sysnum: d.Sysnum, Subsystem: d.Subsystem,
		Driver: d.Driver, Devtype: d.Devtype, Devname: d.Devname, Major: d.Major, Minor: d.Minor,
		HasDevnum: d.HasDevnum, Ifindex: d.Ifindex, props: map[string]string{}, dbProps: map[string]bool{}}
	return c
}
