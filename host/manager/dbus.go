package manager

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/host/dbusapi"
)

// defaultBusSocket is the system bus's socket when DBUS_SYSTEM_BUS_ADDRESS names none.
const defaultBusSocket = "/run/dbus/system_bus_socket"

// serveDBus serves systemd's D-Bus API (host/dbusapi) and, once it answers, creates sd_booted()'s marker
// (SystemdRunDir/system): from then on software that asks "was this system booted with systemd?" is told yes and
// talks to sysmaster as to systemd (docs/dbus.md says why). A D-Bus API that cannot be served is logged and
// costs only itself.
func (m *Manager) serveDBus() {
	dir := m.opts.SystemdRunDir
	srv, err := dbusapi.Listen(local{m}, dbusapi.Options{
		PrivateSocket: filepath.Join(dir, "private"),
		BusSocket:     busSocket(os.Getenv("DBUS_SYSTEM_BUS_ADDRESS")),
		Log:           m.log,
		NameOwner: func(name, owner string) {
			m.post(func() { m.busNameOwner(name, owner) }) // busname.go
		},
	})
	if err != nil {
		m.log.Error("cannot serve the D-Bus API", "error", err)
		return
	}
	m.dbus = srv
	m.busNamesChanged() // the units restored or loaded so far
	if err := os.MkdirAll(filepath.Join(dir, "system"), 0o755); err != nil {
		m.log.Error("cannot create sd_booted()'s marker", "error", err)
	}
}

// busSocket is the path of a unix:path= bus address (the first such entry), else the system bus's default.
func busSocket(addr string) string {
	for _, a := range strings.Split(addr, ";") {
		if rest, ok := strings.CutPrefix(a, "unix:"); ok {
			for _, kv := range strings.Split(rest, ",") {
				if p, ok := strings.CutPrefix(kv, "path="); ok {
					return p
				}
			}
		}
	}
	return defaultBusSocket
}
