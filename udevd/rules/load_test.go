package rules

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestLoadDirs: a name in an earlier directory hides it in later ones, /dev/null masks, files run sorted by name,
// and a malformed or unreadable file does not stop the others.
func TestLoadDirs(t *testing.T) {
	etc, run, lib := t.TempDir(), t.TempDir(), t.TempDir()
	write := func(dir, name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(lib, "10-a.rules", `ENV{FROM}="lib-a"`+"\n")
	write(etc, "10-a.rules", `ENV{FROM}="etc-a"`+"\n")
	write(lib, "20-b.rules", `ENV{B}="1"`+"\n")
	write(run, "15-garbage.rules", "\x00\x01KERNEL==\n\"unterminated\nENV{OK}=\"still\"\n")
	write(lib, "30-masked.rules", `ENV{MASKED}="1"`+"\n")
	if err := os.Symlink("/dev/null", filepath.Join(etc, "30-masked.rules")); err != nil {
		t.Fatal(err)
	}
	write(lib, "not-rules.conf", `ENV{NO}="1"`+"\n")
	if err := os.Mkdir(filepath.Join(lib, "40-dir.rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := Files([]string{etc, run, lib})
	want := []string{filepath.Join(etc, "10-a.rules"), filepath.Join(run, "15-garbage.rules"), filepath.Join(lib, "20-b.rules")}
	if !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	rs, diags := Load([]string{etc, run, lib})
	if len(rs.Files) != 3 {
		t.Fatalf("%d files loaded", len(rs.Files))
	}
	if len(rs.Files[1].Lines) != 1 || len(diags) != 2 {
		t.Errorf("garbage file: %d lines kept, diagnostics %v", len(rs.Files[1].Lines), diags)
	}
	for _, d := range diags {
		if d.File != filepath.Join(run, "15-garbage.rules") || !d.Drop {
			t.Errorf("diagnostic %v", d)
		}
	}
}
