package plugin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// binary is the executable a plugin was launched from, held open so that its digest can be computed when first
// asked for: hashing a 13 MB plugin costs 10–20 ms of CPU, three plugins a boot's worth, and only a pinned
// launch needs the digest before it runs. The open file is the launched inode, so the digest stays that of
// what runs even when the path is replaced afterwards (upgrades rename a new binary over the old one; a running
// binary cannot be written to).
type binary struct {
	id     fileID
	hashes *digestCache // shared by every binary of the manager: one image behind several plugin paths is hashed once

	mu   sync.Mutex
	file *os.File // nil once hashed or released
	sum  string
}

// openBinary opens the binary at path and notes its identity; its digest is looked up in, and added to, hashes.
func openBinary(path string, hashes *digestCache) (*binary, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no plugin binary at %s", path)
		}
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, err
	}
	return &binary{id: identity(path, &st), hashes: hashes, file: f}, nil
}

// digest is the binary's sha256 in hex, computed on the first call (or known from another binary of the same
// identity: the built-in plugins' links to one image); "" once released unhashed.
func (b *binary) digest() (string, error) { return b.sha256(true) }

// verified is the binary's sha256 read from the file itself, never from another binary's: what a pinned launch
// checks before it runs the file.
func (b *binary) verified() (string, error) { return b.sha256(false) }

func (b *binary) sha256(shared bool) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.file == nil {
		return b.sum, nil
	}
	if sum, ok := b.hashes.lookup(b.id); shared && ok {
		b.sum = sum
	} else {
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(b.file, 0, 1<<62)); err != nil {
			return "", err
		}
		b.sum = hex.EncodeToString(h.Sum(nil))
		b.hashes.store(b.id, b.sum)
	}
	b.file.Close()
	b.file = nil
	return b.sum, nil
}

// release closes the file of a binary whose plugin has ended. A digest computed before is kept.
func (b *binary) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.file != nil {
		b.file.Close()
		b.file = nil
	}
}

// unchangedAt reports whether path is still the file that was launched (same device, inode, size and
// modification time), so that its digest cannot have changed.
func (b *binary) unchangedAt(path string) bool {
	var st unix.Stat_t
	return unix.Stat(path, &st) == nil && identity(path, &st) == b.id
}

func identity(path string, st *unix.Stat_t) fileID {
	return fileID{path, uint64(st.Dev), st.Ino, uint64(st.Size), st.Mtim.Nano()}
}
