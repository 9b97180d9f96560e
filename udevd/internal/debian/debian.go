// Package debian fetches Debian 12's udevadm and python3-pyudev for tests that compare with them: the `udev` and
// `python3-pyudev` packages are downloaded with `apt-get download` into a cache directory and unpacked there.
// Only the unpacked udevadm (linked against the libsystemd-shared that systemd installs) and the pyudev module
// (pure Python over the installed libudev1) are used; the host's udev is not replaced.
package debian

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Root is where the packages are unpacked (~/.cache/sysmaster/debian-udev/root).
func Root() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "sysmaster", "debian-udev", "root")
}

// Udevadm and PyudevPath are the unpacked udevadm binary and the directory to put on PYTHONPATH.
func Udevadm() string    { return filepath.Join(Root(), "bin/udevadm") }
func PyudevPath() string { return filepath.Join(Root(), "usr/lib/python3/dist-packages") }

// Fetch makes sure the packages are unpacked under Root, downloading them once. It needs apt (and its network).
func Fetch() error {
	root := Root()
	if _, err := os.Stat(Udevadm()); err == nil {
		if _, err := os.Stat(filepath.Join(PyudevPath(), "pyudev")); err == nil {
			return nil
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("apt-get", "download", "udev", "python3-pyudev")
	cmd.Dir = filepath.Dir(root)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get download udev python3-pyudev: %v: %s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(filepath.Dir(root), "*.deb"))
	for _, d := range debs {
		if out, err := exec.Command("dpkg-deb", "-x", d, root).CombinedOutput(); err != nil {
			return fmt.Errorf("dpkg-deb -x %s: %v: %s", d, err, out)
		}
	}
	return nil
}
