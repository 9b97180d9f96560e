package builtin

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProbeAgainstBlkid makes filesystems with the mkfs tools this machine has and checks Probe finds what
// util-linux's blkid finds (TYPE, UUID, LABEL, USAGE).
func TestProbeAgainstBlkid(t *testing.T) {
	if _, err := exec.LookPath("blkid"); err != nil {
		t.Skip("blkid (util-linux) not installed")
	}
	cases := []struct {
		name string
		mkfs []string
	}{
		{"ext4", []string{"mkfs.ext4", "-q", "-L", "my root"}},
		{"ext3", []string{"mkfs.ext3", "-q", "-L", "old"}},
		{"ext2", []string{"mkfs.ext2", "-q"}},
		{"swap", []string{"mkswap", "-L", "sw"}},
		{"xfs", []string{"mkfs.xfs", "-q", "-L", "x"}},
		{"btrfs", []string{"mkfs.btrfs", "-q", "-L", "b"}},
		{"vfat", []string{"mkfs.vfat", "-n", "BOOT"}},
	}
	ran := 0
	for _, c := range cases {
		if _, err := exec.LookPath(c.mkfs[0]); err != nil {
			t.Logf("%s: %s not installed", c.name, c.mkfs[0])
			continue
		}
		ran++
		img := filepath.Join(t.TempDir(), "img")
		if err := os.WriteFile(img, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(img, 300<<20); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(c.mkfs[0], append(c.mkfs[1:], img)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		out, err := exec.Command("blkid", "-p", "-o", "export", img).Output()
		if err != nil {
			t.Fatalf("blkid %s: %v", c.name, err)
		}
		want := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				want[k] = v
			}
		}
		f, err := os.Open(img)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := Probe(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := map[string]string{"TYPE": sb.Type, "UUID": sb.UUID, "LABEL": sb.Label, "USAGE": sb.Usage}
		for k, v := range got {
			// blkid's export shell-escapes the label's space.
			if w := strings.ReplaceAll(want[k], `\ `, " "); w != v {
				t.Errorf("%s: %s = %q, blkid says %q", c.name, k, v, w)
			}
		}
	}
	if ran == 0 {
		t.Fatal("no mkfs tool found")
	}
}

func TestEncodeString(t *testing.T) {
	for in, want := range map[string]string{"my root": `my\x20root`, "a/b": `a\x2fb`, "Grüße-1": "Grüße-1", "": ""} {
		if got := EncodeString(in); got != want {
			t.Errorf("EncodeString(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzProbe(f *testing.F) {
	f.Add(make([]byte, 5000))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Probe(bytes.NewReader(b))
	})
}
