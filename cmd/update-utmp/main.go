// Package updateutmp is command update-utmp: it records the system's boot, shutdown and runlevel changes in utmp and
// wtmp, as systemd-update-utmp does (which asks systemd's PID 1 over D-Bus for the boot time and the runlevel):
// sysmaster's units sysmaster-update-utmp.service and sysmaster-update-utmp-runlevel.service run it, and a migrated
// Debian system's systemd-update-utmp*.service are aliases of them.
//
//	update-utmp reboot     BOOT_TIME record (the kernel's boot time)
//	update-utmp shutdown   the "shutdown" RUN_LVL record
//	update-utmp runlevel   RUN_LVL record of the runlevel the active targets give (graphical 5, multi-user 3,
//	                       rescue 1), with the previous one; nothing when it did not change
package updateutmp

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/utmp"
	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// Main runs the command on os.Args; it exits with the command's status (the image, cmd/sysmaster, calls it by
// the name it was run as).
func Main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: update-utmp reboot|shutdown|runlevel")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "reboot":
		err = reboot()
	case "shutdown":
		err = both(utmp.Record{Type: utmp.RunLevel, User: "shutdown", Line: "~", ID: "~~", Host: release(), Time: time.Now()})
	case "runlevel":
		err = runlevel()
	default:
		fmt.Fprintf(os.Stderr, "update-utmp: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "update-utmp %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// both writes r to utmp and appends it to wtmp; a missing wtmp is left missing.
func both(r utmp.Record) error {
	if err := utmp.Put(utmp.UtmpPath, r); err != nil {
		return err
	}
	if err := utmp.Append(utmp.WtmpPath, r); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

func release() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// reboot records the kernel's boot time (btime of /proc/stat).
func reboot() error {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return fmt.Errorf("/proc/stat: btime %q: %w", v, err)
			}
			return both(utmp.Record{Type: utmp.BootTime, User: "reboot", Line: "~", ID: "~~", Host: release(), Time: time.Unix(sec, 0)})
		}
	}
	return fmt.Errorf("/proc/stat has no btime")
}

// runlevels are the targets that make a SysV runlevel, the first active one wins.
var runlevels = []struct {
	target string
	level  int32
}{{"graphical.target", '5'}, {"multi-user.target", '3'}, {"rescue.target", '1'}}

func runlevel() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "")
	if err != nil {
		return err
	}
	defer c.Close()
	var names []string
	for _, r := range runlevels {
		names = append(names, r.target)
	}
	resp, err := c.ListUnits(ctx, &controlv1.ListUnitsRequest{All: true, Patterns: names})
	if err != nil {
		return err
	}
	active := map[string]bool{}
	for _, u := range resp.Units {
		active[u.Name] = u.ActiveState == "active" || u.ActiveState == "reloading"
	}
	level := int32(0)
	for _, r := range runlevels {
		if active[r.target] {
			level = r.level
			break
		}
	}
	if level == 0 {
		return nil
	}
	previous := int32(0)
	if recs, err := utmp.Read(utmp.UtmpPath); err == nil {
		for _, r := range recs {
			if r.Type == utmp.RunLevel && r.User == "runlevel" {
				previous = r.Pid & 0xff
			}
		}
	}
	if previous == level {
		return nil
	}
	return both(utmp.Record{Type: utmp.RunLevel, Pid: level | previous<<8, User: "runlevel", Line: "~", ID: "~~",
		Host: release(), Time: time.Now()})
}
