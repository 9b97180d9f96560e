// Command busname is a Type=dbus service for the system tests: after an optional delay it takes a well-known name
// on the system bus (DBUS_SYSTEM_BUS_ADDRESS), prints "owned NAME", lets the name go on SIGUSR1 ("released"),
// and exits on SIGTERM.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: busname NAME DELAY")
		os.Exit(2)
	}
	name := os.Args[1]
	delay, err := time.ParseDuration(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGTERM)
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
	select {
	case <-time.After(delay):
	case <-sig: // SIGTERM (or SIGUSR1) before the name was taken
		os.Exit(0)
	}
	if reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		fmt.Fprintln(os.Stderr, "request name:", reply, err)
		os.Exit(1)
	}
	fmt.Println("owned", name)
	for s := range sig {
		if s == syscall.SIGTERM {
			os.Exit(0)
		}
		if _, err := conn.ReleaseName(name); err != nil {
			fmt.Fprintln(os.Stderr, "release name:", err)
			os.Exit(1)
		}
		fmt.Println("released")
	}
}
