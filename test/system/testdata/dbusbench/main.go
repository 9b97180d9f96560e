// Command dbusbench times systemd's D-Bus API on /run/systemd/private from inside a manager's namespaces (systemd
// refuses a peer whose pid it cannot see): n GetUnit + Get(ActiveState) round trips for unit, then n/10 ListUnits
// calls, then, given a service svc (loaded by LoadUnit), n/10 Get of its MainPID, n/10 GetAll of its Unit interface and n/10 of its
// Service interface. It prints the mean of each in ns (-1 for calls that failed), with the number of units
// ListUnits returned after the second and the number of properties after each GetAll.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/godbus/dbus/v5"
)

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: dbusbench N UNIT [SERVICE]")
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
	list := time.Since(start) / time.Duration(n/10)
	if len(os.Args) == 3 {
		fmt.Println(get.Nanoseconds(), list.Nanoseconds(), units)
		return
	}
	var p dbus.ObjectPath
	if err := m.Call("org.freedesktop.systemd1.Manager.LoadUnit", 0, os.Args[3]).Store(&p); err != nil {
		fail(err)
	}
	svc := c.Object("org.freedesktop.systemd1", p)
	getMain := timed(n/10, func(ctx context.Context) error {
		var v dbus.Variant
		return svc.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, "org.freedesktop.systemd1.Service", "MainPID").Store(&v)
	})
	props := map[string]int{}
	getAll := func(iface string) time.Duration {
		return timed(n/10, func(ctx context.Context) error {
			var all map[string]dbus.Variant
			err := svc.CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, iface).Store(&all)
			props[iface] = len(all)
			return err
		})
	}
	allUnit := getAll("org.freedesktop.systemd1.Unit")
	allService := getAll("org.freedesktop.systemd1.Service")
	fmt.Println(get.Nanoseconds(), list.Nanoseconds(), units, getMain.Nanoseconds(), allUnit.Nanoseconds(),
		props["org.freedesktop.systemd1.Unit"], allService.Nanoseconds(), props["org.freedesktop.systemd1.Service"])
}

// timed is the mean of n calls of f, each given 5 s; -1 when one fails (godbus does not answer a call whose
// answer it cannot read: systemd's GetAll of a service's interface has values it does not decode).
func timed(n int, f func(context.Context) error) time.Duration {
	start := time.Now()
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := f(ctx)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "dbusbench:", err)
			return -1
		}
	}
	return time.Since(start) / time.Duration(n)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "dbusbench:", err)
	os.Exit(1)
}
