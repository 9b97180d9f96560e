// Command activated is a socket-activated HTTP server written with go-systemd's activation package, for the
// system tests: it serves every listener it was passed (LISTEN_FDS) and answers each request with its pid and
// the names of its fds (LISTEN_FDNAMES), so that a test can tell which process answered. On SIGTERM it stops
// accepting and finishes the requests under way, as a socket-activated service should: the connections still
// queued stay in the listener, which the service manager holds, for the next instance.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/coreos/go-systemd/v22/activation"
)

func main() {
	names := os.Getenv("LISTEN_FDNAMES")
	listeners, err := activation.Listeners()
	if err != nil {
		fmt.Fprintln(os.Stderr, "activated:", err)
		os.Exit(1)
	}
	if len(listeners) == 0 {
		fmt.Fprintln(os.Stderr, "activated: no socket passed")
		os.Exit(1)
	}
	// Connections are counted from the moment Serve accepts them (the StateNew hook runs before Serve can
	// return), so that none accepted in the last instant is dropped: http.Server.Shutdown may return before it
	// has seen such a connection.
	var conns sync.WaitGroup
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "activated pid=%d fds=%s path=%s\n", os.Getpid(), strings.ReplaceAll(names, ":", ","), r.URL.Path)
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				conns.Done()
			}
		},
	}
	srv.SetKeepAlivesEnabled(false)
	var serving sync.WaitGroup
	for _, l := range listeners {
		serving.Add(1)
		go func() { defer serving.Done(); srv.Serve(l) }()
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	<-term
	for _, l := range listeners {
		l.Close()
	}
	serving.Wait()
	conns.Wait()
}
