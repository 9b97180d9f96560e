// Package unitlog keeps each unit's log: what its processes write to stdout and stderr (the default output, as
// the journal is for systemd) and the manager's own lines about it ("Started …", "Main process exited, …").
//
// Each unit has one file under the log directory (/run/sysmaster/log), one entry per line, so that the log
// survives a restart of the core and costs no memory while nobody reads it. A file is bounded: when it passes
// MaxBytes the older half is dropped. Readers get the last N entries, entries since a time, and can follow new
// ones as they are written.
package unitlog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// MaxBytes bounds one unit's log file.
const MaxBytes = 1 << 20

// Entry is one line of a unit's log.
type Entry struct {
	Time     time.Time
	Unit     string
	Priority int    // syslog priority: 6 info, 3 err, …
	Source   string // "stdout", "stderr" or "manager"
	Ident    string // who wrote it: SyslogIdentifier=, or the command's name; empty for the manager
	Text     string
}

// Store is the set of unit logs in one directory. It is safe for concurrent use.
type Store struct {
	dir string

	mu      sync.Mutex
	sizes   map[string]int64
	waiters map[string][]chan struct{} // followers, woken on every append to the unit
}

// Open returns the store in dir, creating it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("unitlog: %w", err)
	}
	return &Store{dir: dir, sizes: map[string]int64{}, waiters: map[string][]chan struct{}{}}, nil
}

func (s *Store) path(unit string) string {
	return filepath.Join(s.dir, strings.ReplaceAll(unit, "/", "-"))
}

// Append adds one entry. A line written by a process may hold anything; it is kept on one line.
func (s *Store) Append(e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	line := encode(e)
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.path(e.Unit)
	size, known := s.sizes[e.Unit]
	if !known {
		if st, err := os.Stat(p); err == nil {
			size = st.Size()
		}
	}
	if size+int64(len(line)) > MaxBytes {
		n, err := trim(p)
		if err != nil {
			return err
		}
		size = n
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("unitlog: %w", err)
	}
	_, err = f.Write(line)
	f.Close()
	if err != nil {
		return fmt.Errorf("unitlog: %w", err)
	}
	s.sizes[e.Unit] = size + int64(len(line))
	for _, w := range s.waiters[e.Unit] {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	return nil
}

// Forget drops what the store keeps in memory about unit (a unit the manager unloaded); its file stays, and a
// later append or read finds it again.
func (s *Store) Forget(unit string) {
	s.mu.Lock()
	delete(s.sizes, unit)
	s.mu.Unlock()
}

// Logf appends a manager line about unit.
func (s *Store) Logf(unit string, priority int, format string, args ...any) {
	_ = s.Append(Entry{Unit: unit, Priority: priority, Source: "manager", Text: fmt.Sprintf(format, args...)})
}

// trim keeps the newer half of the file at p, from a line start, and returns its new size.
func trim(p string) (int64, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, fmt.Errorf("unitlog: %w", err)
	}
	cut := len(b) / 2
	if i := bytes.IndexByte(b[cut:], '\n'); i >= 0 {
		cut += i + 1
	}
	tmp := p + ".new"
	if err := os.WriteFile(tmp, b[cut:], 0o640); err != nil {
		return 0, fmt.Errorf("unitlog: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return 0, fmt.Errorf("unitlog: %w", err)
	}
	return int64(len(b) - cut), nil
}

// escaper escapes a line's text for encode; a Replacer is safe for concurrent use, and building one per line
// showed in the profile of a restart (docs/performance.md, "What a restart costs the core").
var escaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)

// encode writes e as "UNIXNANO PRIORITY SOURCE IDENT TEXT\n" (IDENT "-" when empty, spaces in it as "_"), the
// text with backslashes and newlines escaped.
func encode(e Entry) []byte {
	text := escaper.Replace(e.Text)
	ident := strings.ReplaceAll(e.Ident, " ", "_")
	if ident == "" {
		ident = "-"
	}
	return fmt.Appendf(nil, "%d %d %s %s %s\n", e.Time.UnixNano(), e.Priority, e.Source, ident, text)
}

func decode(unit, line string) (Entry, bool) {
	f := strings.SplitN(line, " ", 5)
	if len(f) < 4 {
		return Entry{}, false
	}
	var ns int64
	var prio int
	if _, err := fmt.Sscan(f[0], &ns); err != nil {
		return Entry{}, false
	}
	if _, err := fmt.Sscan(f[1], &prio); err != nil {
		return Entry{}, false
	}
	text, ident := "", f[3]
	if len(f) == 5 {
		text = unescape(f[4])
	}
	if ident == "-" {
		ident = ""
	}
	return Entry{Time: time.Unix(0, ns), Unit: unit, Priority: prio, Source: f[2], Ident: ident, Text: text}, true
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Read returns unit's entries at or after since (zero: all), the last n of them (n < 0: all), and the file offset
// reached, from which Follow goes on.
func (s *Store) Read(unit string, n int, since time.Time) ([]Entry, int64, error) {
	s.mu.Lock()
	b, err := os.ReadFile(s.path(unit))
	s.mu.Unlock()
	if os.IsNotExist(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("unitlog: %w", err)
	}
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), MaxBytes)
	for sc.Scan() {
		e, ok := decode(unit, sc.Text())
		if ok && !e.Time.Before(since) {
			out = append(out, e)
		}
	}
	if n >= 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out, int64(len(b)), nil
}

// Follow calls fn for each entry appended to unit after offset, until done is closed or fn returns an error. A
// trimmed file (smaller than offset) is read again from its start.
func (s *Store) Follow(unit string, offset int64, done <-chan struct{}, fn func(Entry) error) error {
	wake := make(chan struct{}, 1)
	s.mu.Lock()
	s.waiters[unit] = append(s.waiters[unit], wake)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		ws := s.waiters[unit]
		for i, w := range ws {
			if w == wake {
				s.waiters[unit] = append(ws[:i:i], ws[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	}()
	for {
		entries, next, err := s.readFrom(unit, offset)
		if err != nil {
			return err
		}
		offset = next
		for _, e := range entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		select {
		case <-done:
			return nil
		case <-wake:
		case <-time.After(time.Second): // a write by another core (after a restart) wakes nobody here
		}
	}
}

func (s *Store) readFrom(unit string, offset int64) ([]Entry, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.Open(s.path(unit))
	if os.IsNotExist(err) {
		return nil, offset, nil
	}
	if err != nil {
		return nil, offset, fmt.Errorf("unitlog: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, offset, fmt.Errorf("unitlog: %w", err)
	}
	if st.Size() < offset {
		offset = 0
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, offset, fmt.Errorf("unitlog: %w", err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, offset, fmt.Errorf("unitlog: %w", err)
	}
	// Only whole lines: a line being written is read next time.
	end := bytes.LastIndexByte(b, '\n') + 1
	var out []Entry
	for _, line := range strings.Split(string(b[:end]), "\n") {
		if e, ok := decode(unit, line); ok {
			out = append(out, e)
		}
	}
	return out, offset + int64(end), nil
}

// Capture returns the write end of a pipe whose lines go to unit's log with source (stdout, stderr) and ident
// until every copy of the write end is closed. The caller passes it to a process and closes its own copy. The
// read end comes back too, for a caller that keeps a copy elsewhere (the core hands one to init, so that a new
// core can Drain the pipe after a crash); the Store reads and closes its own, then calls done (if not nil).
func (s *Store) Capture(unit, source, ident string, priority int, done func()) (w, r *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("unitlog: %w", err)
	}
	s.Drain(r, unit, source, ident, priority, done)
	return w, r, nil
}

// Drain reads r's lines into unit's log until every write end is closed, then closes r and calls done (if not
// nil) on its goroutine.
func (s *Store) Drain(r *os.File, unit, source, ident string, priority int, done func()) {
	go func() {
		defer func() {
			r.Close()
			if done != nil {
				done()
			}
		}()
		br := bufio.NewReaderSize(r, 4096) // longer lines are joined by ReadString; a small buffer per pipe keeps 1,000 services cheap
		for {
			line, err := br.ReadString('\n')
			if line = strings.TrimRight(line, "\n"); line != "" || err == nil {
				_ = s.Append(Entry{Unit: unit, Priority: priority, Source: source, Ident: ident, Text: line})
			}
			if err != nil {
				return
			}
		}
	}()
}
