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

// TestProbeSynthetic checks the superblock layouts whose mkfs tools may be missing, on images carrying just the
// fields each format's specification places (what libblkid reads for them).
func TestProbeSynthetic(t *testing.T) {
	id := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	const uuid = "12345678-9abc-def0-0123-456789abcdef"
	img := func(size int, fill func(b []byte)) []byte {
		b := make([]byte, size)
		fill(b)
		return b
	}
	cases := []struct {
		name string
		b    []byte
		want Superblock
	}{
		{"xfs", img(8192, func(b []byte) {
			copy(b, "XFSB")
			copy(b[32:], id)
			copy(b[108:], "data")
		}), Superblock{Type: "xfs", UUID: uuid, Label: "data", Usage: "filesystem"}},
		{"btrfs", img(0x11000, func(b []byte) {
			copy(b[0x10020:], id)
			copy(b[0x10040:], "_BHRfS_M")
			copy(b[0x1012b:], "pool")
		}), Superblock{Type: "btrfs", UUID: uuid, Label: "pool", Usage: "filesystem"}},
		{"vfat32", img(8192, func(b []byte) {
			b[0] = 0xeb
			copy(b[0x43:], []byte{0xef, 0xbe, 0xad, 0xde})
			copy(b[0x47:], "EFI        ")
			copy(b[0x52:], "FAT32   ")
			b[510], b[511] = 0x55, 0xaa
		}), Superblock{Type: "vfat", UUID: "DEAD-BEEF", Label: "EFI", Usage: "filesystem", Version: "FAT32"}},
		{"vfat16", img(8192, func(b []byte) {
			b[0] = 0xeb
			copy(b[0x27:], []byte{0x04, 0x03, 0x02, 0x01})
			copy(b[0x2b:], "NO NAME    ")
			copy(b[0x36:], "FAT16   ")
			b[510], b[511] = 0x55, 0xaa
		}), Superblock{Type: "vfat", UUID: "0102-0304", Usage: "filesystem", Version: "FAT16"}},
		{"iso9660", img(0x9000, func(b []byte) {
			copy(b[0x8001:], "CD001")
			copy(b[0x8028:], "DEBIAN 12                       ")
			copy(b[0x832d:], "2023061012000000")
		}), Superblock{Type: "iso9660", UUID: "2023-06-10-12-00-00-00", Label: "DEBIAN 12", Usage: "filesystem"}},
		{"luks2", img(8192, func(b []byte) {
			copy(b, "LUKS\xba\xbe\x00\x02")
			copy(b[24:], "secret")
			copy(b[168:], uuid)
		}), Superblock{Type: "crypto_LUKS", UUID: uuid, Label: "secret", Usage: "crypto", Version: "2"}},
		{"luks1", img(8192, func(b []byte) {
			copy(b, "LUKS\xba\xbe\x00\x01")
			copy(b[168:], uuid)
		}), Superblock{Type: "crypto_LUKS", UUID: uuid, Usage: "crypto", Version: "1"}},
	}
	for _, c := range cases {
		got, err := Probe(bytes.NewReader(c.b))
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
	if _, err := Probe(bytes.NewReader(make([]byte, 8192))); err == nil {
		t.Error("zeroes probed as a filesystem")
	}
}
