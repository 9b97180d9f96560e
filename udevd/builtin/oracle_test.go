package builtin

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/device"
	"github.com/sysmaster/sysmaster/udevd/internal/debian"
)

// TestAgainstUdevadm runs net_id and path_id on every device of this machine's sysfs and compares the properties
// with what Debian 12's `udevadm test-builtin` (systemd 252's own code) prints for the same device.
func TestAgainstUdevadm(t *testing.T) {
	if err := debian.Fetch(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		builtin, glob string
		keys          []string
	}{
		{"net_id", "/sys/class/net/*", []string{"ID_NET_NAMING_SCHEME", "ID_NET_NAME_MAC", "ID_NET_NAME_PATH",
			"ID_NET_NAME_ONBOARD", "ID_NET_LABEL_ONBOARD"}},
		{"path_id", "/sys/class/*/*", []string{"ID_PATH", "ID_PATH_TAG"}},
		{"path_id", "/sys/block/*", []string{"ID_PATH", "ID_PATH_TAG"}},
	} {
		paths, _ := filepath.Glob(c.glob)
		n := 0
		for _, p := range paths {
			dev, err := device.Sysfs{}.New(strings.TrimPrefix(p, "/sys"))
			if err != nil {
				continue
			}
			out, err := exec.Command(debian.Udevadm(), "test-builtin", c.builtin, p).Output()
			if err != nil {
				// udevadm fails for a device the builtin has nothing for (path_id without a path).
				out = nil
			}
			want := map[string]string{}
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if k, v, ok := strings.Cut(sc.Text(), "="); ok {
					want[k] = v
				}
			}
			b, _ := Lookup(c.builtin)
			_ = b.Run(context.Background(), dev, []string{c.builtin}, true)
			if _, err := os.Stat(p); err != nil {
				continue // gone meanwhile (another test's device)
			}
			for _, k := range c.keys {
				got, _ := dev.Property(k)
				if got != want[k] {
					t.Errorf("%s %s: %s=%q, udevadm says %q", c.builtin, p, k, got, want[k])
				}
			}
			n++
		}
		t.Logf("%s: %d devices of %s compared", c.builtin, n, c.glob)
	}
}
