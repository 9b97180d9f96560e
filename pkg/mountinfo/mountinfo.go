// Package mountinfo reads the mount table of a mount namespace from /proc/self/mountinfo (man
// proc_pid_mountinfo). init, the core's cgroup detection and the mount checks use this one parser. It is the
// project's own rather than github.com/moby/sys/mountinfo because init may depend on golang.org/x/sys only.
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Mount is one line of mountinfo: "id parent major:minor root point options [optional…] - fstype source
// superoptions".
type Mount struct {
	Root         string // the directory of the file system mounted: "/" unless a subtree is bind-mounted
	Point        string // where it is mounted
	Options      string // per-mount options, as "rw,nosuid"
	FSType       string
	Source       string // may be empty
	SuperOptions string // per-superblock options, as "rw,nsdelegate" (for cgroup v1: the controllers)
}

// Read parses /proc/self/mountinfo.
func Read() ([]Mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	defer f.Close()
	return Parse(f)
}

// Parse parses a mountinfo file, in its order (a later mount on the same point hides an earlier one), decoding
// the kernel's octal escapes in the root and the mount point. A malformed line is skipped and the first one is
// reported as an error naming its line; the others are returned all the same.
func Parse(r io.Reader) ([]Mount, error) {
	var out []Mount
	var bad error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		sep := -1
		if len(f) > 6 {
			if i := slices.Index(f[6:], "-"); i >= 0 {
				sep = 6 + i
			}
		}
		if sep < 0 || len(f) < sep+3 || len(f) > sep+4 {
			if bad == nil {
				bad = fmt.Errorf("mountinfo: line %d: want \"id parent dev root point options … - type source superoptions\", got %.80q", line, sc.Text())
			}
			continue
		}
		m := Mount{Root: Unescape(f[3]), Point: Unescape(f[4]), Options: f[5], FSType: f[sep+1], SuperOptions: f[len(f)-1]}
		if len(f) == sep+4 {
			m.Source = f[sep+2]
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil && bad == nil {
		bad = fmt.Errorf("mountinfo: %v", err)
	}
	return out, bad
}

// IsMountPoint reports whether path (clean, absolute) is a mount point of this mount namespace.
func IsMountPoint(path string) bool {
	ms, _ := Read()
	for _, m := range ms {
		if m.Point == path {
			return true
		}
	}
	return false
}

// Unescape decodes the octal escapes (\040 for a space, \134 for a backslash) of mountinfo paths.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
