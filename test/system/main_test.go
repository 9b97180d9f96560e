// Package system tests a whole sysmaster — init as PID 1 of a fresh PID+mount namespace, the core, plugins and
// sctl — the way a user drives it: unit files and system.conf in, sctl out.
package system

import (
	"os"
	"testing"

	"github.com/sysmaster/sysmaster/test/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	harness.Cleanup()
	os.Exit(code)
}
