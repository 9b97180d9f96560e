package utmp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The records are those glibc reads: utmpdump (util-linux, through glibc) shows what PutInit and PutDead wrote.
func TestInitAndDeadAsUtmpdumpSeesThem(t *testing.T) {
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
	if r := recs[0]; r.Type != UserProcess || r.ID != "ty10" || r.User != "daemon" || r.Pid != 4242 || r.Line != "tty10" {
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
	if len(recs) != 1 || recs[0].Type != DeadProcess || recs[0].Exit != 3 || recs[0].Termination != 1 || recs[0].User != "" {
		t.Errorf("%+v", recs[0])
	}
	if who, _ := exec.Command("who", utmp).Output(); len(who) != 0 {
		t.Errorf("who after the exit: %q", who)
	}
	if w, _ := Read(wtmp); len(w) != 4 || w[3].Type != DeadProcess || w[3].Time.IsZero() {
		t.Errorf("wtmp: %d records", len(w))
	}
	// A missing file is no error, as with glibc: such a system keeps no records.
	if err := PutInit(filepath.Join(dir, "none"), filepath.Join(dir, "none2"), "x", 1, 1, "", InitProcess, ""); err != nil {
		t.Error(err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	r := &Record{Type: LoginProcess, Pid: 7, Line: "ttyS0", ID: "S0", User: "u", Host: "h", Termination: 2, Exit: 9,
		Session: 7, Time: time.Unix(1700000000, 123000)}
	got, err := Unmarshal(r.Marshal())
	if err != nil || *got != *r {
		t.Errorf("%+v %v", got, err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add((&Record{Type: UserProcess, ID: "tty1", User: "root"}).Marshal())
	f.Add(make([]byte, Size))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err != nil {
			if len(b) >= Size {
				t.Fatal(err)
			}
			return
		}
		again, _ := Unmarshal(r.Marshal())
		if r.Type != again.Type || r.ID != again.ID || r.User != again.User || r.Pid != again.Pid {
			t.Fatalf("%+v != %+v", r, again)
		}
	})
}
