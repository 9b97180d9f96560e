package unit

import (
	"errors"
	"io/fs"
	"os"
)

// listings holds the names in each directory of the search path, each directory read once while a batch of
// loads runs (Loader.Batch). Without it every unit probes each directory of the path for its file, its drop-in
// directories and its .wants/.requires/.upholds directories (tens of failing lookups per unit); with it a name
// that is not in the listing is not probed. Whatever the listing names is still read from the disk. Like the
// Loader, it is used from one goroutine (the core's loop).
type listings struct {
	names map[string]map[string]bool // nil for a directory that could not be listed: probe everything
	read  map[string]bool
}

// Batch makes the loads until end is called share one listing of each directory of the search path, read when
// first needed: a file created meanwhile in a directory already listed is not seen before the next batch, as a
// unit file added while systemd loads is not. A batch begun inside another is part of it; the outer end drops
// the listings.
func (l *Loader) Batch() (end func()) {
	if l.listed != nil {
		return func() {}
	}
	l.listed = &listings{names: map[string]map[string]bool{}, read: map[string]bool{}}
	return func() { l.listed = nil }
}

// mayHave reports whether dir may hold an entry called name: false only when the batch's listing of dir says
// it does not.
func (l *Loader) mayHave(dir, name string) bool {
	c := l.listed
	if c == nil {
		return true
	}
	if !c.read[dir] {
		c.read[dir] = true
		c.names[dir] = list(dir)
	}
	names := c.names[dir]
	return names == nil || names[name]
}

// list returns the names in dir: empty when it does not exist, nil when it cannot be read for another reason.
func list(dir string) map[string]bool {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}
	}
	if err != nil {
		return nil
	}
	defer f.Close()
	ents, err := f.Readdirnames(-1)
	if err != nil {
		return nil
	}
	names := make(map[string]bool, len(ents))
	for _, n := range ents {
		names[n] = true
	}
	return names
}
