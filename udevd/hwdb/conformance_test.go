package hwdb

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/internal/debian"
)

// debianDB compiles Debian 12's hwdb.d (the udev package's 32 files) with Debian's own systemd-hwdb into a
// temporary root and returns the hwdb.bin, the root and the hwdb.d directory.
func debianDB(t *testing.T) (bin, root, src string) {
	t.Helper()
	if err := debian.Fetch(); err != nil {
		t.Fatal(err)
	}
	src = filepath.Join(debian.Root(), "lib/udev/hwdb.d")
	root = t.TempDir()
	if out, err := exec.Command("cp", "-r", src, filepath.Join(root, "hwdb.d")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(root, "lib/udev"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "hwdb.d"), filepath.Join(root, "lib/udev/hwdb.d")); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(filepath.Join(debian.Root(), "bin/systemd-hwdb"), "--root="+root, "update").CombinedOutput(); err != nil {
		t.Fatalf("systemd-hwdb update: %v\n%s", err, out)
	}
	return filepath.Join(root, "etc/udev/hwdb.bin"), root, src
}

// queries makes a lookup string of every step-th match pattern of the hwdb.d files: '*' dropped, '?' made 'X', a
// bracket expression its first character, so that the string hits that entry and, often, others around it.
func queries(t *testing.T, src string, step int) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(src, "*.hwdb"))
	var out []string
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == ' ' || line[0] == '#' {
				continue
			}
			if n++; n%step != 0 {
				continue
			}
			var b strings.Builder
			for i := 0; i < len(line); i++ {
				switch c := line[i]; c {
				case '*':
				case '?':
					b.WriteByte('X')
				case '[':
					if end := strings.IndexByte(line[i+1:], ']'); end > 0 {
						set := line[i+1 : i+1+end]
						if set[0] != '!' && set[0] != '^' {
							b.WriteByte(set[0])
						}
						i += end + 1
						continue
					}
					b.WriteByte(c)
				default:
					b.WriteByte(c)
				}
			}
			out = append(out, b.String())
		}
		fh.Close()
	}
	return out
}

// TestDebianHwdb: lookups in the hwdb.bin Debian's systemd-hwdb compiled from Debian's hwdb.d give exactly what
// `systemd-hwdb query` gives, for strings made of a spread of the files' match patterns.
func TestDebianHwdb(t *testing.T) {
	bin, root, src := debianDB(t)
	db, err := Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qs := queries(t, src, 97)
	if len(qs) < 300 {
		t.Fatalf("only %d queries", len(qs))
	}
	hits := 0
	for _, q := range qs {
		out, err := exec.Command(filepath.Join(debian.Root(), "bin/systemd-hwdb"), "--root="+root, "query", q).Output()
		if err != nil {
			t.Fatalf("systemd-hwdb query %q: %v", q, err)
		}
		var want []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				want = append(want, l)
			}
		}
		props, err := db.Lookup(q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		var got []string
		for _, p := range props {
			got = append(got, p.Key+"="+p.Value)
		}
		if len(got) > 0 {
			hits++
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n got  %q\n want %q", q, got, want)
		}
	}
	t.Logf("%d lookups, %d with properties", len(qs), hits)
	if hits < len(qs)/2 {
		t.Errorf("only %d of %d lookups found something: the queries do not exercise the trie", hits, len(qs))
	}
}

func TestOpenRefusesWhatIsNotAHwdb(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hwdb.bin")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("Open: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none")); err != ErrNotFound {
		t.Fatalf("Open of nothing: %v", err)
	}
}

// FuzzLookup: a hwdb.bin cut short or with bytes changed is refused or looked up without a panic.
func FuzzLookup(f *testing.F) {
	valid := tinyDB(f)
	f.Add(valid, "usb:v1234p5678")
	f.Add(valid[:90], "usb:v1")
	f.Fuzz(func(t *testing.T, data []byte, q string) {
		db, err := parse(data)
		if err != nil {
			return
		}
		_, _ = db.Lookup(q)
	})
}

// TestCompileDebianHwdb: Debian's hwdb.d compiled by Update gives a hwdb.bin that Debian's own systemd-hwdb reads
// and answers from exactly as from the one it compiled itself, and that Lookup answers the same from; no line of
// Debian's files is skipped.
func TestCompileDebianHwdb(t *testing.T) {
	_, sdRoot, src := debianDB(t)
	ours := t.TempDir()
	if out, err := exec.Command("cp", "-r", src, filepath.Join(ours, "hwdb.d")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(ours, "lib/udev"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(ours, "hwdb.d"), filepath.Join(ours, "lib/udev/hwdb.d")); err != nil {
		t.Fatal(err)
	}
	bin, problems, err := Update(ours, false)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Update: %v %v", err, problems)
	}
	db, err := Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	query := func(root, q string) []string {
		out, err := exec.Command(filepath.Join(debian.Root(), "bin/systemd-hwdb"), "--root="+root, "query", q).Output()
		if err != nil {
			t.Fatalf("systemd-hwdb query %q: %v", q, err)
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
		return lines
	}
	for _, q := range queries(t, src, 211) {
		want := query(sdRoot, q)
		if got := query(ours, q); !slices.Equal(got, want) {
			t.Errorf("%q: systemd-hwdb reading our file: %q, from its own: %q", q, got, want)
		}
		props, err := db.Lookup(q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range props {
			got = append(got, p.Key+"="+p.Value)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: Lookup in our file: %q, want %q", q, got, want)
		}
	}
}

// TestCompileProblems: skipped lines are reported with file and line, the rest of the file is compiled.
func TestCompileProblems(t *testing.T) {
	f := filepath.Join(t.TempDir(), "10-bad.hwdb")
	src := "usb:v1*\n\nusb:v2*\n ID_A=1\nnot-a-property\n ID_B=2\n\n ID_C=3\n\nusb:v3*\n NOEQUALS\n ID_D=4\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, problems, err := Compile([]string{f})
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, p := range problems {
		if p.File != f {
			t.Errorf("problem in %q", p.File)
		}
		lines = append(lines, p.Line)
	}
	if !slices.Equal(lines, []int{2, 5, 6, 8, 11}) {
		t.Errorf("problems at lines %v, want 2 5 6 8 11: %v", lines, problems)
	}
	db, err := parse(bin)
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{"usb:v2x": "ID_A=1", "usb:v3x": "ID_D=4", "usb:v1x": ""} {
		props, _ := db.Lookup(q)
		got := ""
		for _, p := range props {
			got += p.Key + "=" + p.Value
		}
		if got != want {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
}
