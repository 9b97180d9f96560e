package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// directoryKind is one of RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory=,
// ConfigurationDirectory=.
type directoryKind struct {
	base, env, step string
	chown           bool // all but ConfigurationDirectory= are owned by User=/Group=
}

var directoryKinds = []entry[directoryKind]{
	{"runtime", directoryKind{"/run", "RUNTIME_DIRECTORY", "RUNTIME_DIRECTORY", true}},
	{"state", directoryKind{"/var/lib", "STATE_DIRECTORY", "STATE_DIRECTORY", true}},
	{"cache", directoryKind{"/var/cache", "CACHE_DIRECTORY", "CACHE_DIRECTORY", true}},
	{"logs", directoryKind{"/var/log", "LOGS_DIRECTORY", "LOGS_DIRECTORY", true}},
	{"configuration", directoryKind{"/etc", "CONFIGURATION_DIRECTORY", "CONFIGURATION_DIRECTORY", false}},
}

// directoryOrder is the order the executor creates them in (systemd's).
var directoryOrder = []string{"runtime", "state", "cache", "logs", "configuration"}

// makeDirectory creates root+base/rel (parents 0755, owned by root), sets its mode and, with chown, its owner.
func makeDirectory(root, base, rel string, mode uint32, chown bool, uid, gid int) error {
	clean := filepath.Clean("/" + rel)
	if clean == "/" || strings.Contains(rel, "..") {
		return fmt.Errorf("invalid directory %q", rel)
	}
	p := filepath.Join(root, base, clean)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := unix.Mkdir(p, 0o700); err != nil && err != unix.EEXIST {
		return fmt.Errorf("mkdir %s: %w", p, err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", p)
	}
	if chown {
		if err := os.Lchown(p, uid, gid); err != nil {
			return &chownError{err}
		}
	}
	// After chown, which clears the set-id bits.
	if err := unix.Chmod(p, mode); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	return nil
}

type chownError struct{ error }

// PrivateTmpDirs returns the host directories that back /tmp and /var/tmp of a unit's invocation with
// PrivateTmp=. All processes of one invocation share them; the host removes them with RemovePrivateTmp when the
// unit has stopped.
func PrivateTmpDirs(unit, invocationID string) (tmp, varTmp string) {
	name := "sysmaster-private-" + invocationID + "-" + strings.ReplaceAll(unit, "/", "_")
	return filepath.Join("/tmp", name), filepath.Join("/var/tmp", name)
}

// RemovePrivateTmp removes the PrivateTmp= directories of a unit's invocation, and the network and IPC
// namespaces its processes shared (PrivateNetwork=, PrivateIPC=).
func RemovePrivateTmp(unit, invocationID string) error {
	tmp, varTmp := PrivateTmpDirs(unit, invocationID)
	err1 := os.RemoveAll(tmp)
	err2 := os.RemoveAll(varTmp)
	err3 := removeSharedNamespaces(unit, invocationID)
	return errors.Join(err1, err2, err3)
}

// privateDir makes (or finds) dir (0700, root's, in a world-writable parent: refuse anything else, a symlink in
// particular) and dir/tmp (01777), and returns the latter.
func privateDir(dir string) (string, error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return "", err
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return "", err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Uid != 0 || st.Mode&0o077 != 0 {
		return "", fmt.Errorf("%s is not a private directory of root's", dir)
	}
	inner := filepath.Join(dir, "tmp")
	if err := os.Mkdir(inner, 0o1777); err != nil && !os.IsExist(err) {
		return "", err
	}
	if err := unix.Chmod(inner, 0o1777); err != nil {
		return "", err
	}
	return inner, nil
}
