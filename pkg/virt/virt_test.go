package virt

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestIsKthreadd(t *testing.T) {
	for _, tc := range []struct {
		stat string
		want bool
	}{
		{"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0", true},
		{"2 (sysmaster) S 1 2 2 0 -1 4194560", false},
		{"2 (kthreadd) S 1 2 2 0", false}, // a process that calls itself so
		{"garbage", false},
	} {
		if got := isKthreadd(tc.stat); got != tc.want {
			t.Errorf("isKthreadd(%q) = %v", tc.stat, got)
		}
	}
}

// TestContainer: this test process, outside any container on the test machine, is not in one; a child in a
// PID namespace of its own is.
func TestContainer(t *testing.T) {
	if os.Getenv("VIRT_TEST_HELPER") == "1" {
		if !Container() {
			t.Fatal("a new PID namespace is not a container")
		}
		return
	}
	if b, _ := os.ReadFile("/proc/2/stat"); !isKthreadd(string(b)) || os.Getenv("container") != "" {
		t.Skip("the tests run in a container")
	}
	if Container() {
		t.Error("the test machine counts as a container")
	}
	if os.Getuid() != 0 {
		t.Skip("a PID namespace needs root")
	}
	cmd := exec.Command("unshare", "--pid", "--mount-proc", "--fork", os.Args[0], "-test.run", "^TestContainer$")
	cmd.Env = append(os.Environ(), "VIRT_TEST_HELPER=1")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("helper: %v\n%s", err, out)
	}
}
