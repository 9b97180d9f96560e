package hwdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SourceDirs are the hwdb.d directories `devctl hwdb --update` reads, as systemd-hwdb 252: a file in an earlier
// directory hides one of the same name in a later one; all are read in the order of their names.
var SourceDirs = []string{"/etc/udev/hwdb.d", "/lib/udev/hwdb.d"}

// toolVersion is what the header says wrote the file (the systemd release whose format this is).
const toolVersion = 252

// Problem is a line of a hwdb.d file that was skipped, with where it is.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Sources lists the hwdb.d files under root (a path prefix, "" for /), in the order they are read.
func Sources(root string) []string {
	byName := map[string]string{}
	for _, dir := range SourceDirs {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.hwdb"))
		for _, f := range files {
			if _, hidden := byName[filepath.Base(f)]; !hidden {
				byName[filepath.Base(f)] = f
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}

// trie is the tree being built: a node's prefix follows the character that leads to it.
type trieNode struct {
	prefix   string
	children map[byte]*trieNode
	values   map[string]value // by key, the key with its leading space
}

type value struct {
	value, file string
	line        uint32
	priority    uint16
}

// insert adds key=val for the match string s (systemd's trie_insert): nodes are split where s leaves a prefix.
func (n *trieNode) insert(s string, key string, v value) {
	for {
		p := 0
		for p < len(n.prefix) && p < len(s) && n.prefix[p] == s[p] {
			p++
		}
		if p < len(n.prefix) {
			// Split: the rest of the prefix moves to a new child, under its first character.
			rest := &trieNode{prefix: n.prefix[p+1:], children: n.children, values: n.values}
			n.prefix, n.children, n.values = n.prefix[:p], map[byte]*trieNode{n.prefix[p]: rest}, nil
		}
		s = s[p:]
		if s == "" {
			if n.values == nil {
				n.values = map[string]value{}
			}
			n.values[key] = v // the same key on the same match: the later line wins
			return
		}
		c := s[0]
		child := n.children[c]
		if child == nil {
			child = &trieNode{prefix: s[1:], values: map[string]value{key: v}}
			if n.children == nil {
				n.children = map[byte]*trieNode{}
			}
			n.children[c] = child
			return
		}
		n, s = child, s[1:]
	}
}

// Compile reads the hwdb.d files in order (each a higher priority than the one before) and returns hwdb.bin in
// systemd's format, with the lines it skipped (as systemd-hwdb warns and skips them).
func Compile(files []string) ([]byte, []Problem, error) {
	root := &trieNode{}
	var problems []Problem
	for i, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, problems, fmt.Errorf("hwdb: %w", err)
		}
		problems = append(problems, parseSource(fh, f, uint16(i+1), root)...)
		fh.Close()
	}
	return write(root), problems, nil
}

// parseSource reads one hwdb.d file into the trie (systemd's import_file): records of match lines (no leading
// space) followed by property lines (" KEY=VALUE"), separated by empty lines; '#' starts a comment line.
func parseSource(r io.Reader, file string, priority uint16, root *trieNode) []Problem {
	var problems []Problem
	var matches []string
	inData := false
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		// '#' starts a comment anywhere on a line (so no value holds one), as in systemd-hwdb.
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimRight(line, " \t\r\n\v\f")
		if line == "" {
			if len(matches) > 0 && !inData {
				problems = append(problems, Problem{file, n, "Property expected, ignoring record with no properties."})
			}
			matches, inData = nil, false
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			if inData {
				problems = append(problems, Problem{file, n, "Property or empty line expected, got \"" + line + "\", ignoring record."})
				matches, inData = nil, false
				continue
			}
			matches = append(matches, line)
			continue
		}
		if len(matches) == 0 {
			problems = append(problems, Problem{file, n, "Match expected but got indented property \"" + line + "\", ignoring line."})
			continue
		}
		inData = true
		key, val, ok := strings.Cut(strings.TrimLeft(line, " \t"), "=")
		if !ok || key == "" {
			problems = append(problems, Problem{file, n, "Key-value pair expected but got \"" + line + "\", ignoring."})
			continue
		}
		for _, m := range matches {
			root.insert(m, " "+key, value{value: val, file: file, line: uint32(n), priority: priority})
		}
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, Problem{file, 0, err.Error()})
	}
	if len(matches) > 0 && !inData {
		problems = append(problems, Problem{file, 0, "Property expected, ignoring record with no properties."})
	}
	return problems
}

// write lays the trie out as hwdb.bin: the header, the nodes (children before their parent, each followed by its
// child entries sorted by character and its value entries sorted by key), then the strings, each once.
func write(root *trieNode) []byte {
	var nodes []byte
	var strs strings.Builder
	strs.WriteByte(0) // offset 0 of the strings is the empty string
	stringOff := map[string]uint64{}
	// String offsets are relative to the strings area until the nodes' size is known; fixups record where.
	type fixup struct{ at int }
	var fixups []fixup
	str := func(s string) uint64 {
		if s == "" {
			return 0
		}
		if off, ok := stringOff[s]; ok {
			return off
		}
		off := uint64(strs.Len())
		strs.WriteString(s)
		strs.WriteByte(0)
		stringOff[s] = off
		return off
	}
	le := binary.LittleEndian
	var store func(n *trieNode) uint64
	store = func(n *trieNode) uint64 {
		chars := make([]byte, 0, len(n.children))
		for c := range n.children {
			chars = append(chars, c)
		}
		sort.Slice(chars, func(i, j int) bool { return chars[i] < chars[j] })
		childOff := make([]uint64, len(chars))
		for i, c := range chars {
			childOff[i] = store(n.children[c])
		}
		keys := make([]string, 0, len(n.values))
		for k := range n.values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		off := uint64(headerSize + len(nodes))
		b := make([]byte, nodeSize+len(chars)*childEntrySize+len(keys)*valueEntryV2)
		// Every node points at its prefix, an empty one too: sd-hwdb reads the string of a node it matches a
		// glob under without checking for offset 0.
		le.PutUint64(b[0:], str(n.prefix))
		fixups = append(fixups, fixup{len(nodes)})
		b[8] = byte(len(chars))
		le.PutUint64(b[16:], uint64(len(keys)))
		at := nodeSize
		for i, c := range chars {
			b[at] = c
			le.PutUint64(b[at+8:], childOff[i])
			at += childEntrySize
		}
		for _, k := range keys {
			v := n.values[k]
			le.PutUint64(b[at:], str(k))
			le.PutUint64(b[at+8:], str(v.value))
			le.PutUint64(b[at+16:], str(v.file))
			le.PutUint64(b[at+24:], uint64(v.line)|uint64(v.priority)<<32)
			for _, f := range []int{0, 8, 16} {
				fixups = append(fixups, fixup{len(nodes) + at + f})
			}
			at += valueEntryV2
		}
		nodes = append(nodes, b...)
		return off
	}
	rootOff := store(root)
	stringsAt := uint64(headerSize + len(nodes))
	for _, f := range fixups {
		le.PutUint64(nodes[f.at:], le.Uint64(nodes[f.at:])+stringsAt)
	}
	out := make([]byte, headerSize, int(stringsAt)+strs.Len())
	copy(out, signature)
	for i, v := range []uint64{toolVersion, stringsAt + uint64(strs.Len()), headerSize, nodeSize, childEntrySize,
		valueEntryV2, rootOff, uint64(len(nodes)), uint64(strs.Len())} {
		le.PutUint64(out[8+8*i:], v)
	}
	out = append(out, nodes...)
	return append(out, strs.String()...)
}

// Update compiles the hwdb.d files under root into root/etc/udev/hwdb.bin (with usr, root/lib/udev/hwdb.bin, the
// vendor's copy), written to a temporary file and renamed over the old one, and returns the path and the lines
// it skipped. Without any hwdb.d file the database is removed and the path is "", as systemd-hwdb 252 does.
func Update(root string, usr bool) (string, []Problem, error) {
	out := filepath.Join(root, "/etc/udev/hwdb.bin")
	if usr {
		out = filepath.Join(root, "/lib/udev/hwdb.bin")
	}
	sources := Sources(root)
	if len(sources) == 0 {
		if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", nil, fmt.Errorf("hwdb: %w", err)
		}
		return "", nil, nil
	}
	bin, problems, err := Compile(sources)
	if err != nil {
		return "", problems, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", problems, fmt.Errorf("hwdb: %w", err)
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, bin, 0o444); err != nil {
		return "", problems, fmt.Errorf("hwdb: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return "", problems, fmt.Errorf("hwdb: %w", err)
	}
	return out, problems, nil
}
