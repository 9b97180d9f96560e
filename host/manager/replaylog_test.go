package manager

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/exitstatus"
)

// A commit drops from the exit log what it covered and keeps what came after the loop took its batch, in the
// file a next core reads; later exits are appended to it.
func TestReplayLogCommitKeepsLaterInputs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "exits.log")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var queued []reaper.Exit
	queue := func(e reaper.Exit) { queued = append(queued, e) }
	l := openReplayLog(path, logger, encExit, decExit, queue)
	at := time.Unix(0, 1)
	for pid := 10; pid < 14; pid++ {
		l.add(reaper.Exit{Pid: pid, Exit: exitstatus.Exit{Code: reaper.Exited}, Time: at}, queue)
	}
	reopened := func() []int {
		var pids []int
		r := openReplayLog(path, logger, encExit, decExit, func(e reaper.Exit) { pids = append(pids, e.Pid) })
		r.f.Close()
		return pids
	}
	l.committed(3) // 10, 11 and 12 are covered; 13 came later
	if got := reopened(); len(got) != 1 || got[0] != 13 {
		t.Fatalf("after the commit the log holds %v, want [13]", got)
	}
	l.add(reaper.Exit{Pid: 14, Exit: exitstatus.Exit{Code: reaper.Exited}, Time: at}, queue)
	if got := reopened(); len(got) != 2 || got[0] != 13 || got[1] != 14 {
		t.Fatalf("after one more exit the log holds %v, want [13 14]", got)
	}
	l.committed(2)
	if b, err := os.ReadFile(path); err != nil || len(b) != 0 {
		t.Fatalf("after the last commit the log holds %q (%v), want nothing", b, err)
	}
	if _, err := os.Stat(path + ".new"); !os.IsNotExist(err) {
		t.Errorf("the replacement file is left behind: %v", err)
	}
	if len(queued) != 5 {
		t.Errorf("queued %d exits, want 5", len(queued))
	}
}
