package pid1

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadHostname(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ content, want string }{
		{"smguest\n", "smguest"},
		{"# set by the installer\n\n  web-1.example  \nignored\n", "web-1.example"},
		{"", ""},
		{"bad name\n", ""},
		{"under_score\n", ""},
		{strings.Repeat("a", 65) + "\n", ""},
	} {
		p := filepath.Join(dir, "hostname")
		if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := readHostname(p); got != tc.want {
			t.Errorf("readHostname(%q) = %q, want %q", tc.content, got, tc.want)
		}
	}
	if got := readHostname(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("readHostname of a missing file = %q", got)
	}
}

func TestMachineID(t *testing.T) {
	for i := 0; i < 100; i++ {
		if id := newMachineID(); !validMachineID(id) {
			t.Fatalf("newMachineID() = %q, not a valid machine ID", id)
		}
	}
	for id, ok := range map[string]bool{
		"0123456789abcdef0123456789abcdef":  true,
		"0123456789ABCDEF0123456789ABCDEF":  false, // systemd writes lower case
		strings.Repeat("0", 32):             false,
		"uninitialized":                     false,
		"0123456789abcdef0123456789abcde":   false,
		"0123456789abcdef0123456789abcdefg": false,
	} {
		if validMachineID(id) != ok {
			t.Errorf("validMachineID(%q) = %v", id, !ok)
		}
	}

	// A valid ID is kept: not a first boot. A missing one is made and written: a first boot.
	dir := t.TempDir()
	path, run := filepath.Join(dir, "machine-id"), filepath.Join(dir, "run-machine-id")
	const id = "0123456789abcdef0123456789abcdef\n"
	if err := os.WriteFile(path, []byte(id), 0o444); err != nil {
		t.Fatal(err)
	}
	if machineIDSetup(path, run) {
		t.Errorf("a valid machine ID made a first boot")
	}
	if b, _ := os.ReadFile(path); string(b) != id {
		t.Errorf("a valid machine ID was changed to %q", b)
	}
	os.Remove(path)
	if !machineIDSetup(path, run) {
		t.Errorf("a missing machine ID is no first boot")
	}
	b, err := os.ReadFile(path)
	if err != nil || !validMachineID(strings.TrimSpace(string(b))) {
		t.Errorf("after a first boot %s holds %q (%v)", path, b, err)
	}
}
