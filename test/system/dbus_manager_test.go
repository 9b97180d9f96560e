package system

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// privateBusctl runs busctl on /run/systemd/private as root.
func privateBusctl(t *testing.T, s *harness.System, args ...string) (string, string, int) {
	t.Helper()
	return inNS(t, s, 0, append([]string{"/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "--no-pager"}, args...)...)
}

// GetUnitByInvocationID finds a unit by its running invocation's id (16 bytes), as systemd 252's: an unknown id is
// NoUnitForInvocationID, one of another length InvalidArgs.
func TestGetUnitByInvocationID(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"web.service": dbusTestUnits}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "web.service")
	id, err := hex.DecodeString(s.Show("web.service", "InvocationID"))
	if err != nil || len(id) != 16 {
		t.Fatalf("InvocationID %x: %v", id, err)
	}
	call := func(id []byte) (string, string, int) {
		args := []string{"call", "org.freedesktop.systemd1", managerObj, managerIf, "GetUnitByInvocationID", "ay", strconv.Itoa(len(id))}
		for _, b := range id {
			args = append(args, strconv.Itoa(int(b)))
		}
		return privateBusctl(t, s, args...)
	}
	if out, errs, code := call(id); code != 0 || out != "o \"/org/freedesktop/systemd1/unit/web_2eservice\"\n" {
		t.Errorf("GetUnitByInvocationID of web.service's id: exit %d %q %s", code, out, errs)
	}
	unknown := make([]byte, 16)
	copy(unknown, id)
	unknown[0] ^= 0xff
	if _, errs, code := call(unknown); code == 0 || !strings.Contains(errs, "No unit with the specified invocation ID "+hex.EncodeToString(unknown)+" known.") {
		t.Errorf("an unknown id: exit %d %s", code, errs)
	}
	if _, errs, code := call(id[:5]); code == 0 || !strings.Contains(errs, "Invalid invocation ID") {
		t.Errorf("a 5-byte id: exit %d %s", code, errs)
	}
	// A restart is another invocation: the old id names nothing.
	mustSctl(t, s, "restart", "web.service")
	if _, errs, code := call(id); code == 0 || !strings.Contains(errs, "No unit with the specified invocation ID") {
		t.Errorf("the id of the invocation before a restart: exit %d %s", code, errs)
	}
}
