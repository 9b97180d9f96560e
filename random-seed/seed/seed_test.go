package seed

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadMixesOldSeedAndSavesANewOne(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lib", "random-seed")
	pool := filepath.Join(dir, "pool")
	if err := os.WriteFile(pool, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// First boot: nothing to mix in, a seed is created.
	if n, err := Load(path, pool); err != nil || n != 0 {
		t.Fatalf("first boot: %d %v", n, err)
	}
	first, err := os.ReadFile(path)
	if err != nil || len(first) != Size {
		t.Fatalf("seed after first boot: %d bytes, %v", len(first), err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("seed mode %v", st.Mode().Perm())
	}
	// Next boot: the saved seed goes into the pool and is replaced.
	if n, err := Load(path, pool); err != nil || n != Size {
		t.Fatalf("second boot: %d %v", n, err)
	}
	mixed, _ := os.ReadFile(pool)
	if !bytes.Equal(mixed, first) {
		t.Error("the pool did not get the saved seed")
	}
	second, _ := os.ReadFile(path)
	if bytes.Equal(second, first) {
		t.Error("the seed was not replaced: it would be used twice")
	}
}

func TestLoadIntoTheRealPool(t *testing.T) {
	path := filepath.Join(t.TempDir(), "random-seed")
	if err := Save(path); err != nil {
		t.Fatal(err)
	}
	if n, err := Load(path, "/dev/urandom"); err != nil || n != Size {
		t.Fatalf("%d %v", n, err)
	}
}

func TestUnreadableSeedIsReported(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir, filepath.Join(dir, "pool")); err == nil {
		t.Fatal("a directory as seed file must be an error")
	}
}
