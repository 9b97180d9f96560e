package swaps

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       Table
		bad        string
	}{
		{"empty", header, Table{}, ""},
		{"two", header + "/dev/vda3                               partition\t1048572\t\t0\t\t-2\n" +
			"/swap\\040file\\040one\\134x                file\t\t16380\t\t0\t\t5\n",
			Table{"/dev/vda3": {What: "/dev/vda3", Type: "partition", Priority: -2},
				`/swap file one\x`: {What: `/swap file one\x`, Type: "file", Priority: 5}}, ""},
		{"malformed line skipped", header + "garbage\n/swapfile file 16380 0 -3\n",
			Table{"/swapfile": {What: "/swapfile", Type: "file", Priority: -3}}, "line 2"},
		{"priority not a number", header + "/swapfile file 16380 0 high\n", Table{}, "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tc.text))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if tc.bad == "" && err != nil || tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)) {
				t.Errorf("error %v, want one naming %q", err, tc.bad)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(header + "/dev/vda3 partition 1048572 0 -2\n/swap\\040x file 16 0 5\n")
	f.Add("x\n/a b c d\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		table, _ := Parse(strings.NewReader(text))
		for what, e := range table {
			if what != e.What || !strings.HasPrefix(what, "/") {
				t.Fatalf("entry %q: %+v", what, e)
			}
		}
	})
}

func TestDiff(t *testing.T) {
	a := Entry{What: "/a", Type: "file", Priority: -2}
	b := Entry{What: "/b", Type: "file", Priority: -3}
	b2 := Entry{What: "/b", Type: "file", Priority: 7}
	c := Entry{What: "/c", Type: "partition", Priority: 1}
	got := Diff(Table{"/a": a, "/b": b}, Table{"/b": b2, "/c": c})
	want := []Change{{Entry: a}, {Entry: b2, Active: true}, {Entry: c, Active: true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Diff:\n%v\nwant\n%v", got, want)
	}
	if got := Diff(Table{"/a": a}, Table{"/a": a}); len(got) != 0 {
		t.Fatalf("no change gave %v", got)
	}
}

// TestWatch turns a swap file on and off by hand: each change is reported, promptly.
func TestWatch(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("swapon needs root")
	}
	file := filepath.Join(t.TempDir(), "swapfile")
	for _, c := range [][]string{{"dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=16", "status=none"}, {"chmod", "600", file}, {"mkswap", "-q", file}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	// Swaps are not namespaced: make sure the machine is left without this one whatever happens.
	t.Cleanup(func() { exec.Command("swapoff", file).Run() })
	changes := make(chan []Change, 16)
	w, table, err := Watch(func(ch []Change) { changes <- ch })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, ok := table[file]; ok {
		t.Fatalf("%s is on before the test turned it on", file)
	}
	for _, step := range []struct {
		cmd    []string
		active bool
	}{{[]string{"swapon", "-p", "3", file}, true}, {[]string{"swapoff", file}, false}} {
		start := time.Now()
		if out, err := exec.Command(step.cmd[0], step.cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", step.cmd[0], err, out)
		}
		for seen := false; !seen; {
			select {
			case ch := <-changes:
				for _, c := range ch {
					if c.What == file && c.Active == step.active {
						seen = true
						if step.active && (c.Priority != 3 || c.Type != "file") {
							t.Errorf("reported %+v", c)
						}
					}
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s not reported within 5 s", step.cmd[0])
			}
		}
		t.Logf("%s reported after %v", step.cmd[0], time.Since(start))
	}
}
