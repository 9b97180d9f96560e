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

// digestCache remembers the sha256 of files by their identity: device, inode, size and modification time, not the
// path, so that the built-in plugins' links to one image hash it once.
type digestCache struct {
	mu   sync.Mutex
	sums map[fileID]string
}

type fileID struct {
	path           string
	dev, ino, size uint64
	mtime          int64
}

func (c *digestCache) get(path string) (string, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fileSHA256(path) // says why, in the same words as a launch
	}
	id := identity(path, &st)
	if sum, ok := c.lookup(id); ok {
		return sum, nil
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return "", err
	}
	c.store(id, sum)
	return sum, nil
}

func (c *digestCache) lookup(id fileID) (string, bool) {
	id.path = ""
	c.mu.Lock()
	defer c.mu.Unlock()
	sum, ok := c.sums[id]
	return sum, ok
}

func (c *digestCache) store(id fileID, sum string) {
	id.path = ""
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sums == nil {
		c.sums = map[fileID]string{}
	}
	c.sums[id] = sum
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no plugin binary at %s", path)
		}
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
