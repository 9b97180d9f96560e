// Package db reads and writes udev's device database in systemd-udevd's format, so that libudev readers
// (`udevadm info`, sd-device) see what this udevd decided: /run/udev/data/<id> holds a device's symlinks (S:),
// link priority (L:), initialization time (I:), properties set by rules (E:), tags (G: every tag, Q: current) and
// the format version (V:1); /run/udev/tags/<tag>/<id> indexes devices by tag.
package db

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// DB is a database directory. The zero value is /run/udev.
type DB struct {
	// Dir is udev's runtime directory; empty means "/run/udev".
	Dir string
}

func (db DB) dir() string {
	if db.Dir == "" {
		return "/run/udev"
	}
	return db.Dir
}

func (db DB) dataPath(d *device.Device) string { return filepath.Join(db.dir(), "data", d.ID()) }

// Entry is what Read found besides what it put into the device.
type Entry struct {
	// UsecInitialized is the I: field, the CLOCK_MONOTONIC time in µs the device was first processed.
	UsecInitialized uint64
}

// Write saves the device's entry atomically (a temporary file renamed over the old one).
func (db DB) Write(d *device.Device, usecInitialized uint64) error {
	var b strings.Builder
	for _, l := range d.Devlinks() {
		fmt.Fprintf(&b, "S:%s\n", strings.TrimPrefix(l, "/dev/"))
	}
	if d.LinkPriority != 0 {
		fmt.Fprintf(&b, "L:%d\n", d.LinkPriority)
	}
	if usecInitialized > 0 {
		fmt.Fprintf(&b, "I:%d\n", usecInitialized)
	}
	for _, k := range d.DBPropertyKeys() {
		v, _ := d.Property(k)
		fmt.Fprintf(&b, "E:%s=%s\n", k, v)
	}
	for _, t := range d.Tags() {
		fmt.Fprintf(&b, "G:%s\n", t)
	}
	for _, t := range d.CurrentTags() {
		fmt.Fprintf(&b, "Q:%s\n", t)
	}
	b.WriteString("V:1\n")
	p := db.dataPath(d)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// Read loads the device's entry into d: symlinks, link priority, properties and tags. A missing entry is not an
// error (Entry is zero).
func (db DB) Read(d *device.Device) (Entry, error) {
	var e Entry
	f, err := os.Open(db.dataPath(d))
	if errors.Is(err, fs.ErrNotExist) {
		return e, nil
	}
	if err != nil {
		return e, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		v := line[2:]
		switch line[0] {
		case 'S':
			_ = d.AddDevlink("/dev/" + v)
		case 'L':
			d.LinkPriority, _ = strconv.Atoi(v)
		case 'I':
			e.UsecInitialized, _ = strconv.ParseUint(v, 10, 64)
		case 'E':
			if k, val, ok := strings.Cut(v, "="); ok {
				d.SetProperty(k, val)
			}
		case 'G':
			d.AddStickyTag(v)
		case 'Q':
			_ = d.AddTag(v)
		}
	}
	return e, sc.Err()
}

// Delete removes the device's entry.
func (db DB) Delete(d *device.Device) error {
	err := os.Remove(db.dataPath(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// IndexTags makes /run/udev/tags/<tag>/<id> exist for each of the device's tags when add is true, and removes
// them (and those of old, the device's previous entry) otherwise or when a tag was dropped.
func (db DB) IndexTags(d, old *device.Device, add bool) error {
	var errs []error
	keep := map[string]bool{}
	if add {
		for _, t := range d.Tags() {
			keep[t] = true
			dir := filepath.Join(db.dir(), "tags", t)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				errs = append(errs, err)
				continue
			}
			f, err := os.OpenFile(filepath.Join(dir, d.ID()), os.O_CREATE|os.O_WRONLY, 0o444)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			f.Close()
		}
	}
	var drop []string
	drop = append(drop, d.Tags()...)
	if old != nil {
		drop = append(drop, old.Tags()...)
	}
	for _, t := range drop {
		if keep[t] {
			continue
		}
		dir := filepath.Join(db.dir(), "tags", t)
		if err := os.Remove(filepath.Join(dir, d.ID())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		_ = os.Remove(dir) // only when empty
	}
	return errors.Join(errs...)
}
