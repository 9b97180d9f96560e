package unitfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Every unit file that systemd ships on this machine parses without a syntax error.
func TestSystemdCorpus(t *testing.T) {
	read := 0
	for _, root := range []string{"/lib/systemd/system", "/usr/lib/systemd/system"} {
		if _, err := os.Stat(root); err != nil {
			t.Fatalf("%s: %v (the corpus test needs systemd's unit files, which Debian installs)", root, err)
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			st, err := os.Stat(p) // follow links; skip dangling ones and directories
			if err != nil || st.IsDir() {
				return nil
			}
			if _, err := ParseFile(p); err != nil {
				t.Errorf("%v", err)
			}
			read++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if read < 100 {
		t.Fatalf("read only %d unit files", read)
	}
	t.Logf("%d unit files parsed", read)
}
