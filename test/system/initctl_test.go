package system

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// initRequest is sysvinit's struct init_request asking for runlevel (what Debian's /sbin/poweroff writes to
// /run/initctl when no systemd answers on D-Bus), or with a wrong magic number when bad.
func initRequest(runlevel byte, bad bool) []byte {
	b := make([]byte, 384)
	magic := uint32(0x03091969)
	if bad {
		magic = 0xdeadbeef
	}
	binary.LittleEndian.PutUint32(b[0:], magic)
	binary.LittleEndian.PutUint32(b[4:], 1) // INIT_CMD_RUNLVL
	binary.LittleEndian.PutUint32(b[8:], uint32(runlevel))
	return b
}

// A runlevel request on the initctl FIFO is carried out by sysmaster's initctl, started by the FIFO's socket
// unit: a request with a bad magic number is ignored, runlevel 0 powers the system off.
func TestInitctlPowerOff(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"initctl.socket": "[Socket]\nListenFIFO=/run/initctl\nSocketMode=0600\nService=sysmaster-initctl.service\n",
		},
		Links: map[string]string{"sockets.target.wants/initctl.socket": "../initctl.socket"},
	})
	s.WaitActive("initctl.socket", "active", 10*time.Second)
	fifo := filepath.Join("/proc", strconv.Itoa(s.InitPid), "root/run/initctl")
	write := func(b []byte) {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	logs := func() string { out, _, _ := s.Sctl("logs", "sysmaster-initctl.service"); return out }
	write(initRequest('0', true))
	if !s.WaitFor(10*time.Second, func() bool { return strings.Contains(logs(), "ignoring a request: bad magic") }) {
		t.Fatalf("a bad request was not reported:\n%s", logs())
	}
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Fatalf("after a bad request multi-user.target is %s", st)
	}
	write(initRequest('0', false))
	select {
	case <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatalf("runlevel 0 did not power the system off:\n%s\n%s", logs(), s.Console())
	}
	if !strings.Contains(s.Console(), "Reached target poweroff.target") {
		t.Errorf("the system ended without reaching poweroff.target:\n%s", s.Console())
	}
}
