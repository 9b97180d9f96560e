package notify

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzDecode feeds decode what a service may send: it must never panic, and the fields of an accepted datagram
// are its bytes split at newlines.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"READY=1\nSTATUS=hi", "MAINPID=42", "READY\n=\n\n", "STATUS=\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > MaxMessageSize {
			return
		}
		buf := make([]byte, MaxMessageSize)
		copy(buf, s)
		m, err := decode(buf, len(s), unix.UnixCredentials(&unix.Ucred{Pid: 1}), 0)
		if err == nil && strings.Join(m.Fields, "") != strings.ReplaceAll(s, "\n", "") {
			t.Fatalf("decode(%q) fields %q", s, m.Fields)
		}
	})
}
