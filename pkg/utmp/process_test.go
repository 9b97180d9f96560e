package utmp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The records are those glibc reads: utmpdump (util-linux, through glibc) shows what PutInit and PutDead wrote.
func TestProcessRecordsAsUtmpdumpSeesThem(t *testing.T) {
	dir := t.TempDir()
	utmp, wtmp := filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	for _, f := range []string{utmp, wtmp} {
		if err := os.WriteFile(f, nil, 0o664); err != nil {
			t.Fatal(err)
		}
	}
	if err := PutInit(utmp, wtmp, "tty10", 4242, 4242, "tty10", UserProcess, "daemon"); err != nil {
		t.Fatal(err)
	}
	recs, err := Read(utmp)
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v %v", recs, err)
	}
	if r := recs[0]; r.Type != UserProcess || r.ID != "ty10" || r.User != "daemon" || r.Pid != 4242 || r.Line != "tty10" || r.Session != 4242 {
		t.Errorf("%+v", r)
	}
	if w, _ := Read(wtmp); len(w) != 3 || w[0].Type != InitProcess || w[1].Type != LoginProcess || w[2].Type != UserProcess {
		t.Errorf("wtmp: %d records", len(w))
	}
	if _, err := exec.LookPath("utmpdump"); err != nil {
		t.Fatalf("utmpdump (util-linux) is needed: %v", err)
	}
	out, err := exec.Command("utmpdump", utmp).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "[7] [04242] [ty10] [daemon  ] [tty10       ]") {
		t.Errorf("utmpdump:\n%s", out)
	}
	who, err := exec.Command("who", utmp).Output()
	if err != nil || !strings.HasPrefix(string(who), "daemon   tty10") {
		t.Errorf("who: %q %v", who, err)
	}
	// Another pid's exit leaves the entry; its own makes it dead.
	if err := PutDead(utmp, wtmp, "tty10", 1, 1, 0); err != nil {
		t.Fatal(err)
	}
	if recs, _ := Read(utmp); recs[0].Type != UserProcess {
		t.Errorf("another pid's exit changed the entry: %+v", recs[0])
	}
	if err := PutDead(utmp, wtmp, "tty10", 4242, 1, 3); err != nil {
		t.Fatal(err)
	}
	recs, _ = Read(utmp)
	if len(recs) != 1 || recs[0].Type != DeadProcess || recs[0].ExitStatus != 3 || recs[0].Termination != 1 || recs[0].User != "" {
		t.Errorf("%+v", recs[0])
	}
	if who, _ := exec.Command("who", utmp).Output(); len(who) != 0 {
		t.Errorf("who after the exit: %q", who)
	}
	if w, _ := Read(wtmp); len(w) != 4 || w[3].Type != DeadProcess || w[3].Time.IsZero() {
		t.Errorf("wtmp: %d records", len(w))
	}
	// A missing wtmp stays missing; a missing utmp has no entry to mark dead.
	if err := PutInit(filepath.Join(dir, "utmp2"), filepath.Join(dir, "none"), "x", 1, 1, "", InitProcess, ""); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); !os.IsNotExist(err) {
		t.Errorf("wtmp created: %v", err)
	}
	if err := PutDead(filepath.Join(dir, "none"), filepath.Join(dir, "none"), "x", 1, 1, 0); err != nil {
		t.Error(err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Record{Type: UserProcess, ID: "tty1", User: "root", Session: 7, Termination: 1}.encode())
	f.Add(make([]byte, recordSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < recordSize {
			return
		}
		r := decode(b[:recordSize])
		again := decode(r.encode())
		if r.Type != again.Type || r.ID != again.ID || r.User != again.User || r.Pid != again.Pid ||
			r.Session != again.Session || r.Termination != again.Termination {
			t.Fatalf("%+v != %+v", r, again)
		}
	})
}
