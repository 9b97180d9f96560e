package hwdb

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func tinyDB(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/hwdb.bin")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLookup: the answers of systemd-hwdb query for the small database of testdata: literal prefixes, '*', '?',
// brackets, a '/' that '*' matches (fnmatch without FNM_PATHNAME), two patterns on one entry, and an /etc file's
// entry winning over a later line of /usr/lib's by its priority.
func TestLookup(t *testing.T) {
	db, err := Open("testdata/hwdb.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"usb:v1234p5678", []string{"ID_VENDOR_FROM_DATABASE=Test Vendor", "ID_MODEL_FROM_DATABASE=Local Name"}},
		{"usb:v1234p5678d0100", []string{"ID_VENDOR_FROM_DATABASE=Test Vendor", "ID_MODEL_FROM_DATABASE=Local Name"}},
		{"usb:v1234p0001", []string{"ID_VENDOR_FROM_DATABASE=Test Vendor"}},
		{"usb:v1294p9", []string{"ID_QUESTION=yes"}},
		{"usb:v7pABCD", []string{"ID_BRACKET=digit"}},
		{"dmi:bvnX:bd10/02/2017:svnY:", []string{"ID_DATE=slash"}},
		{"evdev:input:b0003v1", []string{"KEYBOARD_KEY_70039=leftctrl", "KEYBOARD_KEY_7003a=f1"}},
		{"evdev:name:Test Keyboard:x", []string{"KEYBOARD_KEY_70039=leftctrl", "KEYBOARD_KEY_7003a=f1"}},
		{"usb:v9999", nil},
		{"", nil},
	} {
		props, err := db.Lookup(c.q)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		var got []string
		for _, p := range props {
			got = append(got, p.Key+"="+p.Value)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, want %q", c.q, got, c.want)
		}
	}
	if db.Changed() {
		t.Error("the file changed")
	}
}

// TestLoopingTrieIsRefused: a file whose child offsets lead back to the root ends the lookup with an error, not an
// endless walk.
func TestLoopingTrieIsRefused(t *testing.T) {
	b := tinyDB(t)
	root := binary.LittleEndian.Uint64(b[56:])
	if b[root+8] == 0 {
		t.Fatal("the test database's root has no child")
	}
	for i := uint64(0); i < uint64(b[root+8]); i++ {
		binary.LittleEndian.PutUint64(b[root+nodeSize+i*childEntrySize+8:], root)
	}
	db, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	// Every child is the root again: a string of one child's character walks in a circle.
	if _, err := db.Lookup(strings.Repeat(string(b[root+nodeSize]), 1000)); err != errCorrupt {
		t.Fatalf("lookup in a looping trie: %v", err)
	}
}

// FuzzCompile: any hwdb.d text compiles to a file the reader takes, and every match it kept finds its properties.
func FuzzCompile(f *testing.F) {
	f.Add("usb:v1*\n ID_A=1\n\nusb:v1p2*\nusb:v3\n ID_B=2 # comment\n")
	f.Add("x\n\n y=\n#c\n[a-\n k=v\n")
	f.Fuzz(func(t *testing.T, src string) {
		root := &trieNode{}
		parseSource(strings.NewReader(src), "f.hwdb", 1, root)
		db, err := parse(write(root))
		if err != nil {
			t.Fatalf("compiled file refused: %v", err)
		}
		if _, err := db.Lookup("usb:v1p2"); err != nil {
			t.Fatalf("lookup: %v", err)
		}
	})
}

// Update with no hwdb.d file removes the database it would write, as systemd-hwdb 252 does; with one it writes it.
func TestUpdateWithoutSources(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/udev/hwdb.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "etc/udev/hwdb.d/10-x.hwdb")
	if err := os.WriteFile(src, []byte("usb:v1234*\n ID_X=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := Update(root, false)
	if err != nil || out != filepath.Join(root, "etc/udev/hwdb.bin") {
		t.Fatalf("Update = %q, %v", out, err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
	if got, _, err := Update(root, false); err != nil || got != "" {
		t.Fatalf("Update without sources = %q, %v", got, err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("hwdb.bin is still there without sources: %v", err)
	}
}
