package utmp

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// What Put and Append write, glibc reads: who(1) from coreutils is the client.
func TestWhoReadsRecords(t *testing.T) {
	if _, err := exec.LookPath("who"); err != nil {
		t.Fatal("who (coreutils) is missing")
	}
	path := filepath.Join(t.TempDir(), "utmp")
	boot := time.Date(2026, 12, 7, 9, 30, 0, 0, time.Local)
	recs := []Record{
		{Type: BootTime, User: "reboot", Line: "~", ID: "~~", Host: "6.1.0", Time: boot},
		{Type: RunLevel, Pid: '3', User: "runlevel", Line: "~", ID: "~~", Time: boot.Add(time.Minute)},
		{Type: UserProcess, Pid: int32(os.Getpid()), User: "alice", Line: "pts/9", ID: "ts/9", Time: boot.Add(2 * time.Minute)},
	}
	for _, r := range recs {
		if err := Put(path, r); err != nil {
			t.Fatal(err)
		}
	}
	// A second runlevel record replaces the first (pututline's match), it does not add one.
	recs[1].Pid = '5' | '3'<<8
	if err := Put(path, recs[1]); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil || len(got) != 3 {
		t.Fatalf("Read: %d records, %v", len(got), err)
	}
	for i := range recs {
		if !reflect.DeepEqual(got[i], recs[i]) {
			t.Errorf("record %d: read %+v, wrote %+v", i, got[i], recs[i])
		}
	}
	for _, tc := range []struct{ flag, want string }{
		{"-b", "system boot  2026-12-07 09:30"},
		{"-r", "run-level 5  2026-12-07 09:31                   last=3"},
		{"-u", "alice    pts/9        2026-12-07 09:32"},
	} {
		out, err := exec.Command("who", tc.flag, path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("who %s: %v\n%s\nwant a line with %q", tc.flag, err, out, tc.want)
		}
	}
}

func TestAppendNeedsTheFile(t *testing.T) {
	if err := Append(filepath.Join(t.TempDir(), "missing"), Record{Type: BootTime}); !os.IsNotExist(err) {
		t.Errorf("Append to a missing wtmp: %v, want not-exist", err)
	}
}
