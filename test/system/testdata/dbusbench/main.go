// Command dbusbench times systemd's D-Bus API on /run/systemd/private from inside a manager's namespaces (systemd
// refuses a peer whose pid it cannot see): n GetUnit + Get(ActiveState) round trips for unit, then n/10 ListUnits
// calls. It prints the mean of each in ns and the number of units ListUnits returned.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/godbus/dbus/v5"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: dbusbench N UNIT")
		os.Exit(2)
	}
	n, _ := strconv.Atoi(os.Args[1])
	unit := os.Args[2]
	c, err := dbus.Dial("unix:path=/run/systemd/private")
	if err == nil {
		err = c.Auth(nil)
	}
	if err != nil {
		fail(err)
	}
	m := c.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
	start := time.Now()
	for i := 0; i < n; i++ {
		var p dbus.ObjectPath
		if err := m.Call("org.freedesktop.systemd1.Manager.GetUnit", 0, unit).Store(&p); err != nil {
			fail(err)
		}
		v, err := c.Object("org.freedesktop.systemd1", p).GetProperty("org.freedesktop.systemd1.Unit.ActiveState")
		if err != nil {
			fail(err)
		}
		if v.Value() != "active" {
			fail(fmt.Errorf("%s is %v", unit, v.Value()))
		}
	}
	get := time.Since(start) / time.Duration(n)
	start = time.Now()
	units := 0
	for i := 0; i < n/10; i++ {
		var list [][]any
		if err := m.Call("org.freedesktop.systemd1.Manager.ListUnits", 0).Store(&list); err != nil {
			fail(err)
		}
		units = len(list)
	}
	fmt.Println(get.Nanoseconds(), (time.Since(start) / time.Duration(n/10)).Nanoseconds(), units)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "dbusbench:", err)
	os.Exit(1)
}
