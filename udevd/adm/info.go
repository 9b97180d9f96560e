package adm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// info is `devctl info`: what sysfs and the udev database say about a device.
func info(e *Env, args []string) error {
	f := newFlags("info", e)
	var query, pathArg, name string
	var walk, exportDB, cleanup, export bool
	f.str(&query, "query", "q", "", "name, symlink, path, property or all")
	f.str(&pathArg, "path", "p", "", "the device's sysfs path")
	f.str(&name, "name", "n", "", "the device's node or a symlink to it")
	f.boolean(&walk, "attribute-walk", "a", "print the attributes of the device and its parents")
	f.boolean(&exportDB, "export-db", "e", "print the whole database")
	f.boolean(&cleanup, "cleanup-db", "c", "delete the database")
	f.boolean(&export, "export", "x", "print properties as KEY='value'")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case cleanup:
		return e.cleanupDB()
	case exportDB:
		for _, p := range e.enumerateDevices(&match{}) {
			d, err := e.Sysfs.New(strings.TrimPrefix(p, e.sysRoot()))
			if err != nil {
				continue
			}
			e.readDB(d)
			e.printRecord(d)
			fmt.Fprintln(e.Stdout)
		}
		return nil
	}
	var d *device.Device
	switch {
	case pathArg != "":
		d, err = e.Sysfs.New(strings.TrimPrefix(pathArg, "/sys"))
	case name != "":
		d, err = e.deviceByNode(name)
	case len(pos) == 1:
		d, err = e.deviceArg(pos[0])
	default:
		return usageError{errors.New("a device is needed (--path, --name or an argument)")}
	}
	if err != nil {
		return err
	}
	e.readDB(d)
	if walk {
		return e.attributeWalk(d)
	}
	switch query {
	case "", "all":
		e.printRecord(d)
	case "name":
		if d.Devname == "" {
			return errors.New("no device node found")
		}
		fmt.Fprintln(e.Stdout, strings.TrimPrefix(d.Devname, "/dev/"))
	case "symlink":
		var l []string
		for _, s := range d.Devlinks() {
			l = append(l, strings.TrimPrefix(s, "/dev/"))
		}
		fmt.Fprintln(e.Stdout, strings.Join(l, " "))
	case "path":
		fmt.Fprintln(e.Stdout, d.Devpath)
	case "property", "env":
		for _, k := range d.PropertyKeys() {
			v, _ := d.Property(k)
			if export {
				fmt.Fprintf(e.Stdout, "%s='%s'\n", k, v)
			} else {
				fmt.Fprintf(e.Stdout, "%s=%s\n", k, v)
			}
		}
	default:
		return usageError{fmt.Errorf("unknown query type %q", query)}
	}
	return nil
}

// printRecord prints a device as `udevadm info` does: P, M, R, U, T, D, N, L, S and E lines.
func (e *Env) printRecord(d *device.Device) {
	w := e.Stdout
	fmt.Fprintf(w, "P: %s\n", d.Devpath)
	fmt.Fprintf(w, "M: %s\n", d.Sysname)
	if d.Sysnum != "" {
		fmt.Fprintf(w, "R: %s\n", d.Sysnum)
	}
	if d.Subsystem != "" {
		fmt.Fprintf(w, "U: %s\n", d.Subsystem)
	}
	if d.Devtype != "" {
		fmt.Fprintf(w, "T: %s\n", d.Devtype)
	}
	if d.HasDevnum {
		t := "c"
		if d.Subsystem == "block" {
			t = "b"
		}
		fmt.Fprintf(w, "D: %s %d:%d\n", t, d.Major, d.Minor)
	}
	if d.Ifindex > 0 {
		fmt.Fprintf(w, "I: %d\n", d.Ifindex)
	}
	if d.Devname != "" {
		fmt.Fprintf(w, "N: %s\n", strings.TrimPrefix(d.Devname, "/dev/"))
		fmt.Fprintf(w, "L: %d\n", d.LinkPriority)
	}
	for _, s := range d.Devlinks() {
		fmt.Fprintf(w, "S: %s\n", strings.TrimPrefix(s, "/dev/"))
	}
	for _, k := range d.PropertyKeys() {
		v, _ := d.Property(k)
		fmt.Fprintf(w, "E: %s=%s\n", k, v)
	}
}

// attributeWalk prints the device's and its parents' keys and attributes in rules syntax.
func (e *Env) attributeWalk(d *device.Device) error {
	w := e.Stdout
	fmt.Fprint(w, "\nUdevadm info starts with the device specified by the devpath and then\n"+
		"walks up the chain of parent devices. It prints for every device\n"+
		"found, all possible attributes in the udev rules key format.\n"+
		"A rule to match, can be composed by the attributes of the device\n"+
		"and the attributes from one single parent device.\n\n")
	for p, first := d, true; p != nil; p, first = p.Parent(), false {
		suffix := "S"
		if first {
			fmt.Fprintf(w, "  looking at device '%s':\n", p.Devpath)
			suffix = ""
		} else {
			fmt.Fprintf(w, "  looking at parent device '%s':\n", p.Devpath)
		}
		fmt.Fprintf(w, "    KERNEL%s==\"%s\"\n", suffix, p.Sysname)
		fmt.Fprintf(w, "    SUBSYSTEM%s==\"%s\"\n", suffix, p.Subsystem)
		fmt.Fprintf(w, "    DRIVER%s==\"%s\"\n", suffix, p.Driver)
		printAttrs(w, p, "ATTR"+suffix)
		fmt.Fprintln(w)
	}
	return nil
}

func printAttrs(w io.Writer, d *device.Device, key string) {
	ents, _ := os.ReadDir(d.Syspath())
	var names []string
	for _, en := range ents {
		if en.Type().IsRegular() && en.Name() != "uevent" && en.Name() != "dev" {
			names = append(names, en.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		v, err := d.Attr(n)
		if err != nil || len(v) > 4096 || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			continue
		}
		fmt.Fprintf(w, "    %s{%s}==%s\n", key, n, strconv.Quote(strings.TrimRight(v, " \t\n")))
	}
}

// cleanupDB removes the database, the tag index and the link claims, as `udevadm info --cleanup-db`.
func (e *Env) cleanupDB() error {
	var errs []error
	for _, sub := range []string{"data", "tags", "links", "static_node-tags", "watch"} {
		p := filepath.Join(e.RunDir, sub)
		ents, err := os.ReadDir(p)
		if err != nil {
			continue
		}
		for _, en := range ents {
			errs = append(errs, os.RemoveAll(filepath.Join(p, en.Name())))
		}
	}
	return errors.Join(errs...)
}
