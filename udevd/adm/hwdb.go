package adm

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sysmaster/sysmaster/udevd/hwdb"
)

// hwdbVerb is `devctl hwdb` (udevadm hwdb, systemd-hwdb): --update compiles the hwdb.d files into hwdb.bin
// (--root=DIR under DIR, --usr into /lib/udev, --strict fails when a line was skipped), --test=MODALIAS prints
// what the database says of a string.
func hwdbVerb(e *Env, args []string) error {
	f := newFlags("hwdb", e)
	var update, usr, strict bool
	var test, root string
	f.boolean(&update, "update", "u", "compile the hardware database")
	f.str(&test, "test", "t", "", "look a modalias up")
	f.str(&root, "root", "r", "", "work under this directory")
	f.boolean(&usr, "usr", "", "write the database to /lib/udev")
	f.boolean(&strict, "strict", "s", "fail when a line of hwdb.d was skipped")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	if !update && test == "" {
		return usageError{errors.New("either --update or --test must be given")}
	}
	if update {
		_, problems, err := hwdb.Update(root, usr)
		for _, p := range problems {
			fmt.Fprintln(e.Stderr, p.Error())
		}
		if err != nil {
			return err
		}
		if strict && len(problems) > 0 {
			return fmt.Errorf("%d lines of hwdb.d skipped", len(problems))
		}
	}
	if test != "" {
		paths := hwdb.DefaultPaths
		if root != "" {
			paths = nil
			for _, p := range hwdb.DefaultPaths {
				paths = append(paths, filepath.Join(root, p))
			}
		}
		db, err := hwdb.Open(paths...)
		if err != nil {
			return err
		}
		defer db.Close()
		props, err := db.Lookup(test)
		if err != nil {
			return err
		}
		for _, p := range props {
			fmt.Fprintf(e.Stdout, "%s=%s\n", p.Key, p.Value)
		}
	}
	return nil
}
