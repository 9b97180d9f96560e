// Package hwdb reads systemd's hardware database, the compiled trie hwdb.bin that `systemd-hwdb update` writes
// from the hwdb.d text files (man hwdb), and looks a modalias up in it as sd-hwdb does: every entry whose match
// pattern (a shell glob) matches the string gives its properties; of two entries setting one key, the one of the
// higher file priority, then of the later line, wins.
//
//	db, err := hwdb.Open(hwdb.DefaultPaths...)
//	props := db.Lookup("usb:v046DpC52B")   // ID_VENDOR_FROM_DATABASE=Logitech, Inc., …
//	db.Close()
package hwdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/fnmatch"
)

// DefaultPaths are where udevd 252 looks for hwdb.bin, first found wins (Debian's is /etc/udev/hwdb.bin).
var DefaultPaths = []string{"/etc/systemd/hwdb/hwdb.bin", "/etc/udev/hwdb.bin", "/usr/lib/systemd/hwdb/hwdb.bin",
	"/lib/systemd/hwdb/hwdb.bin", "/lib/udev/hwdb.bin"}

// signature starts every hwdb.bin.
const signature = "KSLPHHRH"

// The on-disk objects, little-endian (systemd's hwdb-internal.h): a header of 80 bytes, nodes (prefix offset,
// children count, values count), each followed by its child entries (character, node offset) sorted by character
// and its value entries (key and value offsets; version 2 adds the file name, line and file priority).
const (
	headerSize     = 80
	nodeSize       = 24
	childEntrySize = 16
	valueEntryV1   = 16
	valueEntryV2   = 32
)

// DB is an open hwdb.bin, mapped read-only. The zero value is not usable.
type DB struct {
	Path string
	data []byte
	// The sizes the file says its objects have (newer writers may append fields).
	nodeSize, childSize, valueSize uint64
	root                           uint64
	mtime                          int64
}

// Property is one key and value an entry gives.
type Property struct{ Key, Value string }

// ErrNotFound is returned by Open when none of the paths exists.
var ErrNotFound = errors.New("hwdb: no hwdb.bin")

// Open maps the first of paths that exists and checks its header.
func Open(paths ...string) (*DB, error) {
	for _, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("hwdb: %w", err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("hwdb: %w", err)
		}
		if st.Size() < headerSize {
			return nil, fmt.Errorf("hwdb: %s: too short for a header", p)
		}
		data, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			return nil, fmt.Errorf("hwdb: mapping %s: %w", p, err)
		}
		db, err := parse(data)
		if err != nil {
			unix.Munmap(data)
			return nil, fmt.Errorf("hwdb: %s: %w", p, err)
		}
		db.Path, db.mtime = p, st.ModTime().UnixNano()
		return db, nil
	}
	return nil, ErrNotFound
}

// parse checks the header of data and returns a DB over it.
func parse(data []byte) (*DB, error) {
	if len(data) < headerSize || string(data[:8]) != signature {
		return nil, errors.New("not a hwdb.bin (bad signature)")
	}
	u := func(off int) uint64 { return binary.LittleEndian.Uint64(data[off:]) }
	db := &DB{data: data, nodeSize: u(32), childSize: u(40), valueSize: u(48), root: u(56)}
	switch {
	case u(16) != uint64(len(data)):
		return nil, fmt.Errorf("file size %d, the header says %d", len(data), u(16))
	case u(24) < headerSize || db.nodeSize < nodeSize || db.childSize < childEntrySize || db.valueSize < valueEntryV1:
		return nil, errors.New("object sizes smaller than the format's")
	}
	return db, nil
}

// Changed reports whether the file at db.Path is no longer the one mapped (systemd-hwdb update ran).
func (db *DB) Changed() bool {
	st, err := os.Stat(db.Path)
	return err != nil || st.ModTime().UnixNano() != db.mtime || st.Size() != int64(len(db.data))
}

// Close unmaps the file.
func (db *DB) Close() error {
	if db.data == nil {
		return nil
	}
	err := unix.Munmap(db.data)
	db.data = nil
	return err
}

// errCorrupt stops a lookup that meets an offset outside the file.
var errCorrupt = errors.New("hwdb: corrupt trie (offset outside the file)")

// u64 reads a little-endian word at off, or fails for one outside the file.
func (db *DB) u64(off uint64) uint64 {
	if off > uint64(len(db.data)) || uint64(len(db.data))-off < 8 {
		panic(errCorrupt)
	}
	return binary.LittleEndian.Uint64(db.data[off:])
}

// str reads the NUL-terminated string at off.
func (db *DB) str(off uint64) string {
	if off >= uint64(len(db.data)) {
		panic(errCorrupt)
	}
	b := db.data[off:]
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	panic(errCorrupt)
}

// node is a trie node at an offset in the file.
type node struct {
	off                 uint64
	prefix              string
	children, valuesNum uint64
}

func (db *DB) node(off uint64) node {
	n := node{off: off, children: db.u64(off+8) & 0xff, valuesNum: db.u64(off + 16)}
	if p := db.u64(off); p != 0 {
		n.prefix = db.str(p)
	}
	if n.valuesNum > uint64(len(db.data)) {
		panic(errCorrupt)
	}
	return n
}

// child is the node's child for character c (children are sorted by character), or false.
func (l *lookup) child(n node, c byte) (node, bool) {
	db := l.db
	base := n.off + db.nodeSize
	i := sort.Search(int(n.children), func(i int) bool { return db.char(base, i) >= c })
	if i < int(n.children) && db.char(base, i) == c {
		return l.visit(db.u64(base + uint64(i)*db.childSize + 8)), true
	}
	return node{}, false
}

func (db *DB) char(base uint64, i int) byte {
	off := base + uint64(i)*db.childSize
	if off >= uint64(len(db.data)) {
		panic(errCorrupt)
	}
	return db.data[off]
}

// entry is one value entry of a node.
type entry struct {
	key, value string
	priority   uint16
	line       uint32
}

func (db *DB) values(n node, fn func(entry)) {
	base := n.off + db.nodeSize + n.children*db.childSize
	for i := range n.valuesNum {
		off := base + i*db.valueSize
		e := entry{key: db.str(db.u64(off)), value: db.str(db.u64(off + 8))}
		if db.valueSize >= valueEntryV2 {
			w := db.u64(off + 24)
			e.line, e.priority = uint32(w), uint16(w>>32)
		}
		fn(e)
	}
}

// Lookup returns the properties of every entry that matches modalias, in the order they were first set, or an
// error for a file whose trie leads outside it.
func (db *DB) Lookup(modalias string) (props []Property, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errCorrupt {
				panic(r)
			}
			props, err = nil, errCorrupt
		}
	}()
	l := &lookup{db: db, index: map[string]int{}, budget: len(db.data) / int(db.nodeSize)}
	l.search(modalias)
	for _, e := range l.found {
		props = append(props, Property{e.key, e.value})
	}
	return props, nil
}

// lookup collects the properties of one search.
type lookup struct {
	db    *DB
	found []entry
	index map[string]int
	// budget is how many more nodes the search may visit: a trie reaches each node by one path only, so a search
	// visits at most as many nodes as the file holds; more means a corrupt file whose offsets loop.
	budget int
}

// visit reads the node at off, counting it against the budget.
func (l *lookup) visit(off uint64) node {
	if l.budget--; l.budget < 0 {
		panic(errCorrupt)
	}
	return l.db.node(off)
}

// add keeps an entry's property, unless the key is set already by an entry of a higher file priority or, at the
// same priority, a later line (sd-hwdb's hwdb_add_property). Keys that do not start with a space are reserved for
// future use and skipped; the space is not part of the property's name.
func (l *lookup) add(e entry) {
	if len(e.key) == 0 || e.key[0] != ' ' {
		return
	}
	e.key = e.key[1:]
	i, seen := l.index[e.key]
	if !seen {
		l.index[e.key] = len(l.found)
		l.found = append(l.found, e)
		return
	}
	old := l.found[i]
	if l.db.valueSize >= valueEntryV2 {
		if e.priority == 0 && e.line < old.line {
			return // a version 2 file: no priorities, the line decides
		}
		if e.priority != 0 && (e.priority < old.priority || e.priority == old.priority && e.line < old.line) {
			return
		}
	}
	l.found[i] = e
}

// search walks the trie along s (sd-hwdb's trie_search_f): literal prefixes must match, and at every node the
// subtrees under '*', '?' and '[' are matched as globs against the rest of s.
func (l *lookup) search(s string) {
	db := l.db
	n := l.visit(db.root)
	i := 0
	for {
		for p := 0; p < len(n.prefix); p++ {
			c := n.prefix[p]
			if c == '*' || c == '?' || c == '[' {
				l.glob(n, p, "", s[i+p:])
				return
			}
			if i+p >= len(s) || c != s[i+p] {
				return
			}
		}
		i += len(n.prefix)
		for _, g := range []byte{'*', '?', '['} {
			if child, ok := l.child(n, g); ok {
				l.glob(child, 0, string(g), s[i:])
			}
		}
		if i == len(s) {
			db.values(n, l.add)
			return
		}
		child, ok := l.child(n, s[i])
		if !ok {
			return
		}
		n = child
		i++
	}
}

// glob visits every entry under n (sd-hwdb's trie_fnmatch_f): tail is the pattern from its first glob character
// up to n, to which n's prefix from p on and each path below add; an entry's values count when its whole tail
// matches rest, what of the string follows the literal part already matched.
func (l *lookup) glob(n node, p int, tail, rest string) {
	db := l.db
	tail += n.prefix[p:]
	base := n.off + db.nodeSize
	for i := range int(n.children) {
		c := db.char(base, i)
		l.glob(l.visit(db.u64(base+uint64(i)*db.childSize+8)), 0, tail+string(c), rest)
	}
	if n.valuesNum > 0 && fnmatch.Match(tail, rest) {
		db.values(n, l.add)
	}
}
