package seed

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Sizes of a seed: at least the kernel's pool (systemd 252's RANDOM_POOL_SIZE_MIN is 512 bytes), a larger
// existing file keeps its size, never more than 10 MiB.
const (
	minSize = 512
	maxSize = 10 << 20
)

// poolSizePath tells the kernel's pool size in bits.
const poolSizePath = "/proc/sys/kernel/random/poolsize"

// seedSize is clamp(size of the existing file, the pool's size, 10 MiB), as systemd sizes it.
func seedSize(f *os.File) (int, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("random-seed: %w", err)
	}
	pool := minSize
	if b, err := os.ReadFile(poolSizePath); err == nil {
		if bits, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			pool = min(max(bits/8, minSize), maxSize)
		}
	}
	return int(min(max(st.Size(), int64(pool)), maxSize)), nil
}

// refresh writes a fresh seed of size bytes over f. At boot (wait) it waits for the pool to be initialised,
// which makes the service the boot's synchronisation point for it; at shutdown it falls back to /dev/urandom's
// bytes, which are then not marked creditable. The last 32 bytes hash the old seed with the new, so that the
// new one never holds less entropy than the old.
func refresh(f *os.File, old []byte, size int, wait bool, o Options) error {
	buf := make([]byte, size)
	creditable, err := fill(buf, wait, o)
	if err != nil {
		return err
	}
	if len(old) > 0 {
		h := sha256.New()
		binary.Write(h, binary.LittleEndian, uint64(len(old)))
		h.Write(old)
		binary.Write(h, binary.LittleEndian, uint64(len(buf)))
		h.Write(buf)
		copy(buf[len(buf)-sha256.Size:], h.Sum(nil))
	}
	// The mode is forced on every save, as systemd does, whatever made the file.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("random-seed: %s: %w", o.Path, err)
	}
	if err := f.Chown(0, 0); err != nil {
		return fmt.Errorf("random-seed: %s: %w", o.Path, err)
	}
	if _, err := f.WriteAt(buf, 0); err != nil {
		return fmt.Errorf("random-seed: writing %s: %w", o.Path, err)
	}
	if err := f.Truncate(int64(len(buf))); err != nil {
		return fmt.Errorf("random-seed: %s: %w", o.Path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("random-seed: syncing %s: %w", o.Path, err)
	}
	if d, err := os.Open(filepath.Dir(o.Path)); err == nil {
		d.Sync()
		d.Close()
	}
	if creditable {
		if err := unix.Fsetxattr(int(f.Fd()), CreditableXattr, []byte("1"), 0); err != nil {
			o.logf("%s: cannot mark the seed creditable (%v): the next boot will not credit it.", o.Path, err)
		}
	}
	return nil
}

// fill reads buf from getrandom(2), and tells whether it did (creditable) or fell back to /dev/urandom.
func fill(buf []byte, wait bool, o Options) (creditable bool, err error) {
	flags := unix.GRND_NONBLOCK
	for got := 0; got < len(buf); {
		n, err := unix.Getrandom(buf[got:], flags)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && wait:
			o.logf("Kernel entropy pool is not initialized yet, waiting until it is.")
			flags = 0
			continue
		case err != nil:
			u, oerr := os.Open("/dev/urandom")
			if oerr != nil {
				return false, fmt.Errorf("random-seed: getrandom: %v; /dev/urandom: %w", err, oerr)
			}
			defer u.Close()
			if _, rerr := io.ReadFull(u, buf[got:]); rerr != nil {
				return false, fmt.Errorf("random-seed: reading /dev/urandom: %w", rerr)
			}
			return false, nil
		}
		got += n
	}
	return true, nil
}

// machineID reads the 16 bytes of /etc/machine-id, nil when there are none (first boot, no file).
func machineID(path string) []byte {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	id, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(id) != 16 {
		return nil
	}
	return id
}
