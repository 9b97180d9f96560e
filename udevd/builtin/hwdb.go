package builtin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/sysmaster/sysmaster/udevd/device"
	"github.com/sysmaster/sysmaster/udevd/fnmatch"
	"github.com/sysmaster/sysmaster/udevd/hwdb"
)

func init() {
	register(&Builtin{Name: "hwdb", Help: "Hardware database", Run: hwdbBuiltin})
}

// HwdbPaths are where the hwdb builtin looks for hwdb.bin (hwdb.DefaultPaths; tests point it elsewhere).
var HwdbPaths = hwdb.DefaultPaths

// hwdbFile is the open database, shared by the workers: lookups hold the read lock, and a file that
// `systemd-hwdb update` (or `devctl hwdb --update`) replaced is mapped again under the write lock.
var hwdbFile struct {
	sync.RWMutex
	db *hwdb.DB
}

// lookupHwdb returns the properties of modalias, opening or reopening the database as needed.
func lookupHwdb(modalias string) ([]hwdb.Property, error) {
	hwdbFile.RLock()
	db := hwdbFile.db
	if db != nil && !db.Changed() {
		defer hwdbFile.RUnlock()
		return db.Lookup(modalias)
	}
	hwdbFile.RUnlock()
	hwdbFile.Lock()
	if hwdbFile.db == nil || hwdbFile.db.Changed() {
		if hwdbFile.db != nil {
			hwdbFile.db.Close()
			hwdbFile.db = nil
		}
		db, err := hwdb.Open(HwdbPaths...)
		if err != nil {
			hwdbFile.Unlock()
			return nil, err
		}
		hwdbFile.db = db
	}
	hwdbFile.Unlock()
	return lookupHwdb(modalias)
}

// hwdbBuiltin is udevd's `hwdb [--filter=GLOB] [--subsystem=SUBSYSTEM] [--lookup-prefix=PREFIX] [MODALIAS]`:
// with MODALIAS, the properties of that string; without, those of the first of the device and its parents (of
// SUBSYSTEM, when given) whose MODALIAS (for a USB device without one, "usb:vVVVVpPPPP:PRODUCT") has entries; a USB
// device ends the walk, as its parents are hubs. PREFIX goes before the string looked up; GLOB keeps only the
// keys it matches. `--device=ID` (udev's id of a device: b8:0, c1:3, n3, +subsystem:sysname) walks that device and
// its parents instead, and sets what it finds on the device of the event. Finding nothing fails the builtin (an
// IMPORT of it does not match), as in udevd 252.
func hwdbBuiltin(_ context.Context, dev *device.Device, argv []string, _ bool) error {
	var filter, subsystem, prefix, modalias, srcID string
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		opt, val, hasVal := strings.Cut(a, "=")
		takes := map[string]*string{"--filter": &filter, "-f": &filter, "--subsystem": &subsystem, "-s": &subsystem,
			"--lookup-prefix": &prefix, "-p": &prefix, "--device": &srcID, "-d": &srcID}
		switch dst, ok := takes[opt]; {
		case ok && hasVal:
			*dst = val
		case ok && i+1 < len(argv):
			i++
			*dst = argv[i]
		case strings.HasPrefix(a, "-"):
			return fmt.Errorf("hwdb: unknown option %q", a)
		default:
			modalias = a
		}
	}
	add := func(modalias string) (int, error) {
		props, err := lookupHwdb(prefix + modalias)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, p := range props {
			if filter != "" && !fnmatch.Match(filter, p.Key) {
				continue
			}
			dev.SetProperty(p.Key, p.Value)
			n++
		}
		return n, nil
	}
	if modalias != "" {
		n, err := add(modalias)
		if err == nil && n == 0 {
			err = fmt.Errorf("hwdb: no entry for %q", prefix+modalias)
		}
		return err
	}
	src := dev
	if srcID != "" {
		var err error
		if src, err = dev.Sysfs().NewFromID(srcID); err != nil {
			return fmt.Errorf("hwdb: --device=%s: %w", srcID, err)
		}
	}
	for d := src; d != nil; d = d.Parent() {
		if subsystem != "" && d.Subsystem != subsystem {
			continue
		}
		m, _ := d.Property("MODALIAS")
		last := d.Subsystem == "usb" && d.Devtype == "usb_device"
		if last && m == "" {
			m = usbModalias(d)
		}
		if m != "" {
			n, err := add(m)
			if err != nil || n > 0 {
				return err
			}
		}
		if last {
			break
		}
	}
	return errors.New("hwdb: no entry for the device")
}

// usbModalias composes a USB device's modalias from its idVendor, idProduct and product attributes (udevd's
// modalias_usb), "" when it lacks them.
func usbModalias(d *device.Device) string {
	v, err1 := d.Attr("idVendor")
	p, err2 := d.Attr("idProduct")
	if err1 != nil || err2 != nil {
		return ""
	}
	vn, err1 := strconv.ParseUint(strings.TrimSpace(v), 16, 16)
	pn, err2 := strconv.ParseUint(strings.TrimSpace(p), 16, 16)
	if err1 != nil || err2 != nil {
		return ""
	}
	name, _ := d.Attr("product")
	return fmt.Sprintf("usb:v%04Xp%04X:%s", vn, pn, strings.TrimSpace(name))
}
