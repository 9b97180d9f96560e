package procwatch

import (
	"strings"
	"testing"
)

// The marks themselves are tested where a table changes: host/swaps's TestWatch turns a swap on and off.

func TestWatchMissingFile(t *testing.T) {
	if _, err := Watch("/proc/no-such-table", func() {}); err == nil || !strings.Contains(err.Error(), "procwatch") {
		t.Fatalf("got %v", err)
	}
}

func TestCloseTwiceWithoutChange(t *testing.T) {
	w, err := Watch("/proc/swaps", func() { t.Error("called without a change") })
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	w.Close()
}
