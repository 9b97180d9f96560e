// Command notifier is a Type=notify service written with go-systemd's sd_notify client, for the system tests.
// It waits -delay, sends STATUS=<-status>, writes -marker (if given) just before it sends READY=1, then serves
// (sleeps) until it is killed.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

func main() {
	delay := flag.Duration("delay", time.Second, "how long to wait before READY=1")
	status := flag.String("status", "serving", "the STATUS= text")
	marker := flag.String("marker", "", "a file written just before READY=1 is sent")
	flag.Parse()
	time.Sleep(*delay)
	if ok, err := daemon.SdNotify(false, "STATUS="+*status); !ok || err != nil {
		fmt.Fprintf(os.Stderr, "notifier: STATUS not sent (sent %v): %v\n", ok, err)
		os.Exit(1)
	}
	if *marker != "" {
		if err := os.WriteFile(*marker, []byte(time.Now().Format(time.RFC3339Nano)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "notifier:", err)
			os.Exit(1)
		}
	}
	if ok, err := daemon.SdNotify(false, daemon.SdNotifyReady); !ok || err != nil {
		fmt.Fprintf(os.Stderr, "notifier: READY not sent (sent %v): %v\n", ok, err)
		os.Exit(1)
	}
	fmt.Println("notifier: ready")
	for {
		time.Sleep(time.Hour)
	}
}
