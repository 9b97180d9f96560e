package plugin

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// The built-in plugins are links to one image: the image is hashed once for all of them, and a new image renamed
// over it is hashed again.
func TestDigestOnceForLinksToOneFile(t *testing.T) {
	dir := t.TempDir()
	image := filepath.Join(dir, "sysmaster")
	write := func(content string) string {
		if err := os.WriteFile(image+".new", []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(image+".new", image); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		return hex.EncodeToString(sum[:])
	}
	want := write("one image")
	var links []string
	for _, typ := range []string{"service", "target"} {
		l := filepath.Join(dir, typ)
		if err := os.Symlink("sysmaster", l); err != nil {
			t.Fatal(err)
		}
		links = append(links, l)
	}
	var c digestCache
	for _, l := range links {
		if sum, err := c.get(l); err != nil || sum != want {
			t.Fatalf("%s: %q %v, want %q", l, sum, err, want)
		}
	}
	if len(c.sums) != 1 {
		t.Fatalf("%d digests cached for two links to one file", len(c.sums))
	}
	// A launched binary of the same identity finds the digest; a pinned launch reads the file all the same.
	b, err := openBinary(links[0], &c)
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := b.digest(); err != nil || sum != want {
		t.Fatalf("launched binary: %q %v", sum, err)
	}
	want = write("a new image")
	for _, l := range links {
		if sum, err := c.get(l); err != nil || sum != want {
			t.Fatalf("%s after the upgrade: %q %v, want %q", l, sum, err, want)
		}
	}
	v, err := openBinary(links[1], &c)
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := v.verified(); err != nil || sum != want {
		t.Fatalf("verified: %q %v, want %q", sum, err, want)
	}
}
