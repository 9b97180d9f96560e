package unitlog

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestAppendReadLastAndSince(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for i := 0; i < 20; i++ {
		if err := s.Append(Entry{Time: t0.Add(time.Duration(i) * time.Second), Unit: "a.service", Priority: 6, Source: "stdout", Text: fmt.Sprintf("line %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Logf("b.service", 3, "multi\nline \\ text")
	got, _, err := s.Read("a.service", 3, time.Time{})
	if err != nil || len(got) != 3 || got[0].Text != "line 17" || got[2].Text != "line 19" {
		t.Fatalf("last 3: %v %v", got, err)
	}
	got, _, _ = s.Read("a.service", -1, t0.Add(15*time.Second))
	if len(got) != 5 || got[0].Text != "line 15" {
		t.Fatalf("since: %v", got)
	}
	got, _, _ = s.Read("b.service", -1, time.Time{})
	if len(got) != 1 || got[0].Text != "multi\nline \\ text" || got[0].Priority != 3 || got[0].Source != "manager" {
		t.Fatalf("escaped entry: %+v", got)
	}
	if got, _, err := s.Read("none.service", 10, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("a unit without a log: %v %v", got, err)
	}
}

func TestBounded(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	text := strings.Repeat("x", 1000)
	for i := 0; i < 3*MaxBytes/1000; i++ {
		if err := s.Append(Entry{Unit: "big.service", Source: "stdout", Text: fmt.Sprintf("%d %s", i, text)}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(s.path("big.service"))
	if err != nil || st.Size() > MaxBytes {
		t.Fatalf("log grew to %d bytes (%v), bound %d", st.Size(), err, MaxBytes)
	}
	got, _, _ := s.Read("big.service", 1, time.Time{})
	if len(got) != 1 || !strings.HasPrefix(got[0].Text, fmt.Sprintf("%d ", 3*MaxBytes/1000-1)) {
		t.Fatalf("the newest entry was lost: %d entries", len(got))
	}
}

// A forgotten unit (unloaded by the manager) keeps its file; appends after it still respect the bound.
func TestForget(t *testing.T) {
	s, _ := Open(t.TempDir())
	text := strings.Repeat("x", 1000)
	for i := 0; i < 3*MaxBytes/1000; i++ {
		if i == MaxBytes/1000 {
			s.Forget("gone.service")
			if _, known := s.sizes["gone.service"]; known {
				t.Fatal("Forget kept the size")
			}
		}
		if err := s.Append(Entry{Unit: "gone.service", Source: "stdout", Text: fmt.Sprintf("%d %s", i, text)}); err != nil {
			t.Fatal(err)
		}
	}
	if st, err := os.Stat(s.path("gone.service")); err != nil || st.Size() > MaxBytes {
		t.Fatalf("log after Forget: %v, bound %d", err, MaxBytes)
	}
	if got, _, _ := s.Read("gone.service", 1, time.Time{}); len(got) != 1 {
		t.Fatalf("entries: %v", got)
	}
}

func TestFollowAndCapture(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.Logf("f.service", 6, "before")
	_, off, _ := s.Read("f.service", -1, time.Time{})
	done := make(chan struct{})
	got := make(chan string, 10)
	go func() {
		_ = s.Follow("f.service", off, done, func(e Entry) error { got <- e.Source + ":" + e.Ident + ":" + e.Text; return nil })
	}()
	w, _, err := s.Capture("f.service", "stdout", "sh", 6, nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "echo one; printf 'two\\nthree'")
	cmd.Stdout = w
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var lines []string
	for len(lines) < 3 {
		select {
		case l := <-got:
			lines = append(lines, l)
		case <-time.After(5 * time.Second):
			t.Fatalf("followed %q, want 3 lines", lines)
		}
	}
	close(done)
	if strings.Join(lines, "|") != "stdout:sh:one|stdout:sh:two|stdout:sh:three" {
		t.Fatalf("followed %q", lines)
	}
}
