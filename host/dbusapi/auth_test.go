package dbusapi

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// The handshakes clients send: sd-bus's (EXTERNAL without an initial response, then DATA, descriptors asked
// for, all pipelined), libdbus's and godbus's (the uid in the AUTH line), and refusals.
func TestServerAuth(t *testing.T) {
	uid0 := hex.EncodeToString([]byte("0"))
	for _, c := range []struct {
		name, in string
		ok       bool
		replies  []string // the reply lines' first words
	}{
		{"sd-bus", "\x00AUTH EXTERNAL\r\nDATA\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n", true, []string{"DATA", "OK", "ERROR"}},
		{"libdbus", "\x00AUTH EXTERNAL " + uid0 + "\r\nBEGIN\r\n", true, []string{"OK"}},
		{"mechanism list", "\x00AUTH\r\nAUTH EXTERNAL " + uid0 + "\r\nBEGIN\r\n", true, []string{"REJECTED", "OK"}},
		{"another uid", "\x00AUTH EXTERNAL " + hex.EncodeToString([]byte("1000")) + "\r\nBEGIN\r\n", false, []string{"REJECTED", "ERROR"}},
		{"no NUL", "AUTH EXTERNAL\r\n", false, nil},
		{"BEGIN before AUTH", "\x00BEGIN\r\n", false, []string{"ERROR"}},
		{"endless", "\x00" + strings.Repeat("X\r\n", 100), false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := serverAuth(bufio.NewReader(strings.NewReader(c.in)), &out, 0)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			var words []string
			for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\r\n"), "\r\n") {
				if l != "" {
					words = append(words, strings.Fields(l)[0])
				}
			}
			if c.replies != nil && strings.Join(words, " ") != strings.Join(c.replies, " ") {
				t.Errorf("replies %q, want %q", words, c.replies)
			}
		})
	}
}

func FuzzServerAuth(f *testing.F) {
	f.Add("\x00AUTH EXTERNAL\r\nDATA\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n")
	f.Add("\x00AUTH EXTERNAL 30\r\nBEGIN\r\n")
	f.Add("\x00AUTH ANONYMOUS\r\nCANCEL\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		err := serverAuth(bufio.NewReader(strings.NewReader(in)), &out, 0)
		// A handshake that ends in BEGIN was accepted: an OK went out before it.
		if err == nil && !strings.Contains(out.String(), "OK ") {
			t.Fatalf("accepted without OK: %q → %q", in, out.String())
		}
	})
}
