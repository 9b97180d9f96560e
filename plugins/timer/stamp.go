package timer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timestamp"
)

// stampPath is the Persistent= stamp of the timer: its modification time is the last trigger.
func (m *machine) stampPath() string { return filepath.Join(m.env.stampDir, "stamp-"+m.c.Name) }

// loadStamp is timer_start's part for Persistent=: the stamp's time becomes the last trigger when it is in the
// past; a missing stamp is created (with the time of systemd's stamp of the timer when there is one, else now),
// so that the next boot knows since when the timer has been waiting.
func (m *machine) loadStamp() {
	p := m.stampPath()
	st, err := os.Stat(p)
	switch {
	case err == nil:
		ft := uint64(st.ModTime().UnixMicro())
		if real, _ := m.env.now(); ft < real {
			m.s.LastReal = ft
		} else {
			when, _ := timestamp.Format(ft, timestamp.Pretty, time.Local)
			m.u.Logf("Not using persistent file timestamp %s as it is in the future.", when)
		}
	case errors.Is(err, fs.ErrNotExist):
		// A system that ran systemd before keeps its last triggers: systemd's stamp is taken over once.
		real, _ := m.env.now()
		if st, err := os.Stat(filepath.Join(m.env.systemdStampDir, "stamp-"+m.c.Name)); m.env.systemdStampDir != "" && err == nil {
			if ft := uint64(st.ModTime().UnixMicro()); ft < real {
				m.s.LastReal = ft
				m.touchStamp(ft)
				return
			}
		}
		m.touchStamp(real)
	default:
		m.u.Logf("Failed to read persistent file timestamp %s: %v", p, err)
	}
}

// touchStamp creates the stamp if needed and sets its times to real (µs).
func (m *machine) touchStamp(real uint64) {
	p := m.stampPath()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		m.u.Logf("Failed to create %s: %v", filepath.Dir(p), err)
		return
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		m.u.Logf("Failed to touch %s: %v", p, err)
		return
	}
	f.Close()
	t := time.UnixMicro(int64(real))
	if err := os.Chtimes(p, t, t); err != nil {
		m.u.Logf("Failed to touch %s: %v", p, err)
	}
}
