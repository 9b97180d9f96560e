package manager

import (
	"os"
	"testing"
)

func TestParentPid(t *testing.T) {
	if got := parentPid(os.Getpid()); got != os.Getppid() {
		t.Fatalf("parentPid(self) = %d, want %d", got, os.Getppid())
	}
	if got := parentPid(1 << 30); got != 0 {
		t.Fatalf("parentPid of no process = %d", got)
	}
}
