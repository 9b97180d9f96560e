// Package seed carries the kernel's random pool across reboots, as systemd-random-seed does: at boot the seed
// saved last time is written into /dev/urandom (mixed in, not credited), and a fresh seed from getrandom(2) is
// saved at once, so that a seed is never used twice even if the machine crashes; at shutdown a fresh seed is
// saved again.
package seed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// DefaultPath is where the seed lives.
const DefaultPath = "/var/lib/sysmaster/random-seed"

// Size is the seed size: the kernel's pool, 512 bytes, as systemd uses by default.
const Size = 512

// Load mixes the saved seed at path into pool (normally /dev/urandom) and replaces it with a fresh one. A
// missing seed is not an error (first boot); it reports how many bytes were mixed in.
func Load(path, pool string) (int, error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("random-seed: %w", err)
	}
	n := 0
	if len(old) > 0 {
		f, err := os.OpenFile(pool, os.O_WRONLY, 0)
		if err != nil {
			return 0, fmt.Errorf("random-seed: %w", err)
		}
		n, err = f.Write(old)
		f.Close()
		if err != nil {
			return n, fmt.Errorf("random-seed: writing %s: %w", pool, err)
		}
	}
	return n, Save(path)
}

// Save writes a fresh seed from getrandom(2) to path (mode 0600, written to a temporary file and renamed, so
// that a crash never leaves half a seed).
func Save(path string) error {
	buf := make([]byte, Size)
	for got := 0; got < len(buf); {
		n, err := unix.Getrandom(buf[got:], 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("random-seed: getrandom: %w", err)
		}
		got += n
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("random-seed: %w", err)
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, buf, 0o600); err != nil {
		return fmt.Errorf("random-seed: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("random-seed: %w", err)
	}
	return nil
}
