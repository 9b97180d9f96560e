package bootspec

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"unicode/utf16"
)

func TestParseEntry(t *testing.T) {
	for _, tc := range []struct {
		name, id, data string
		want           *Entry
		problems       []string
		err            string
	}{
		{name: "debian", id: "6.1.0-13-amd64.conf",
			data: "# Boot Loader Specification type#1 entry\ntitle      Debian GNU/Linux 12 (bookworm)\nversion    6.1.0-13-amd64\n" +
				"machine-id 0123456789abcdef0123456789abcdef\nsort-key   debian\noptions    root=UUID=abcd ro quiet\n" +
				"linux      /0123/6.1.0-13-amd64/linux\ninitrd     /0123/6.1.0-13-amd64/initrd.img-6.1.0-13-amd64\n",
			want: &Entry{ID: "6.1.0-13-amd64.conf", Path: "/efi/loader/entries/6.1.0-13-amd64.conf", Root: "/efi",
				Title: "Debian GNU/Linux 12 (bookworm)", Version: "6.1.0-13-amd64", MachineID: "0123456789abcdef0123456789abcdef",
				SortKey: "debian", Options: []string{"root=UUID=abcd ro quiet"}, Linux: "/0123/6.1.0-13-amd64/linux",
				Initrd: []string{"/0123/6.1.0-13-amd64/initrd.img-6.1.0-13-amd64"}}},
		{name: "tabs, repeated keys, blank lines", id: "a.CONF",
			data: "\n  title\tfirst\ntitle second  \noptions a=1\noptions\t b=2\ninitrd /i1\ninitrd /i2\n\t# comment\n",
			want: &Entry{ID: "a.CONF", Path: "/efi/loader/entries/a.CONF", Root: "/efi", Title: "second",
				Options: []string{"a=1", "b=2"}, Initrd: []string{"/i1", "/i2"}}},
		{name: "devicetree-overlay words add up", id: "dt.conf",
			data: "devicetree /dtb\ndevicetree-overlay /o1 /o2\ndevicetree-overlay /o3\nefi /EFI/x.efi\narchitecture x64\n",
			want: &Entry{ID: "dt.conf", Path: "/efi/loader/entries/dt.conf", Root: "/efi", DeviceTree: "/dtb",
				DeviceTreeOverlay: []string{"/o1", "/o2", "/o3"}, EFI: "/EFI/x.efi", Architecture: "x64"}},
		{name: "unknown key", id: "u.conf", data: "title t\nlinuxx /vmlinuz\n",
			want:     &Entry{ID: "u.conf", Path: "/efi/loader/entries/u.conf", Root: "/efi", Title: "t"},
			problems: []string{`/efi/loader/entries/u.conf:2: Unknown line "linuxx", ignoring.`}},
		{name: "key without value", id: "k.conf", data: "title\n",
			want: &Entry{ID: "k.conf", Path: "/efi/loader/entries/k.conf", Root: "/efi"}},
		{name: "bad suffix", id: "a.txt", data: "", err: "bootspec: Invalid loader entry file suffix: a.txt"},
		{name: "bad name", id: "a b.conf", data: "", err: "bootspec: Invalid loader entry name: a b.conf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, problems, err := ParseEntry("/efi", "/efi/loader/entries", tc.id, []byte(tc.data))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(e, tc.want) {
				t.Errorf("got  %+v\nwant %+v", e, tc.want)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.Error())
			}
			if !slices.Equal(got, tc.problems) {
				t.Errorf("problems %q, want %q", got, tc.problems)
			}
		})
	}
}

func TestParseLoaderConf(t *testing.T) {
	c, problems := ParseLoaderConf("/efi/loader/loader.conf", []byte("timeout 3\n#default x\ndefault  debian-*\nbogus 1\nbeep yes\n"))
	if c.Default != "debian-*" {
		t.Errorf("default %q", c.Default)
	}
	if len(problems) != 1 || problems[0].Error() != `/efi/loader/loader.conf:4: Unknown line "bogus", ignoring.` {
		t.Errorf("problems %v", problems)
	}
}

// TestCompareVersions: the order of systemd's strverscmp_improved comment and test-string-util's cases.
func TestCompareVersions(t *testing.T) {
	ordered := []string{"122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1", "123^post1", "123.a-1",
		"123.1-1", "123a-1", "124-1"}
	for i := range ordered {
		for j := range ordered {
			want := cmpInt(i, j)
			if got := CompareVersions(ordered[i], ordered[j]); got != want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "1", -1}, {"00123", "123", 0}, {"123_a", "123a", 0}, {"1.10", "1.9", 1},
		{"6.1.0-13-amd64", "6.1.0-9-amd64", 1}, {"a", "1", -1}, {"1~", "1", -1}, {"~1", "~2", -1},
	} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// write makes the files (path → content) below dir.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(es []*Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// TestLoadAndDefault: the entries of the ESP and XBOOTLDR in systemd's order (sort-key first, newest version
// first), a file seen twice counted once, and the default chosen by the EFI pointers, loader.conf, or first.
func TestLoadAndDefault(t *testing.T) {
	esp, xbl := t.TempDir(), t.TempDir()
	write(t, esp, map[string]string{
		"loader/loader.conf":           "default old*\n",
		"loader/entries/old-5.10.conf": "linux /vmlinuz-5.10\n",
		"loader/entries/old-5.9.conf":  "linux /vmlinuz-5.9\n",
		"loader/entries/notes.txt":     "not an entry\n",
		"loader/entries/bad name.conf": "linux /x\n",
	})
	write(t, xbl, map[string]string{
		"loader/entries/deb-6.1.0-9.conf":  "sort-key debian\nversion 6.1.0-9\nlinux /vmlinuz-6.1.0-9\n",
		"loader/entries/deb-6.1.0-13.conf": "sort-key debian\nversion 6.1.0-13\nlinux /vmlinuz-6.1.0-13\ninitrd /initrd-13\noptions ro\noptions quiet\n",
	})
	if err := os.Symlink(filepath.Join(xbl, "loader/entries/deb-6.1.0-9.conf"), filepath.Join(esp, "loader/entries/link.conf")); err != nil {
		t.Fatal(err)
	}
	c, err := Load(esp, xbl)
	if err != nil {
		t.Fatal(err)
	}
	// The link and its target are one inode: whichever directory is read first keeps it.
	want := []string{"deb-6.1.0-13.conf", "link.conf", "old-5.10.conf", "old-5.9.conf"}
	if got := ids(c.Entries); !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
	if len(c.Problems) != 1 {
		t.Errorf("problems: %v", c.Problems)
	}
	if e := c.Default("", ""); e == nil || e.ID != "old-5.10.conf" {
		t.Errorf("default by loader.conf: %v", e)
	}
	if e := c.Default("", "DEB-*"); e == nil || e.ID != "deb-6.1.0-13.conf" {
		t.Errorf("default by LoaderEntryDefault: %v", e)
	}
	if e := c.Default("old-5.9.conf", "deb-*"); e == nil || e.ID != "old-5.9.conf" {
		t.Errorf("default by LoaderEntryOneShot: %v", e)
	}
	c.Loader.Default = "nothing-matches"
	e := c.Default("", "")
	if e == nil || e.ID != "deb-6.1.0-13.conf" {
		t.Fatalf("default, first entry: %v", e)
	}
	if e.KernelPath() != filepath.Join(xbl, "vmlinuz-6.1.0-13") || !slices.Equal(e.InitrdPaths(), []string{filepath.Join(xbl, "initrd-13")}) || e.CommandLine() != "ro quiet" {
		t.Errorf("kernel %s initrd %v options %q", e.KernelPath(), e.InitrdPaths(), e.CommandLine())
	}
	if (&Config{}).Default("x", "y") != nil {
		t.Error("a default without entries")
	}
}

func TestEFIEntryPointers(t *testing.T) {
	dir := t.TempDir()
	saved := EFIVarsDir
	EFIVarsDir = dir
	defer func() { EFIVarsDir = saved }()
	enc := func(s string) []byte {
		b := []byte{7, 0, 0, 0}
		for _, u := range utf16.Encode([]rune(s + "\x00")) {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	if err := os.WriteFile(filepath.Join(dir, "LoaderEntryDefault-"+loaderGUID), enc("debian-*.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	if one, def := EFIEntryPointers(); one != "" || def != "debian-*.conf" {
		t.Errorf("pointers %q %q", one, def)
	}
}

func FuzzParseEntry(f *testing.F) {
	f.Add("a.conf", "title t\noptions ro\ninitrd /i\ndevicetree-overlay /a /b\n")
	f.Add("x.CONF", "\t#\n \tlinux\t\t/vmlinuz \nbogus\n")
	f.Fuzz(func(t *testing.T, id, data string) {
		e, _, err := ParseEntry("/efi", "/efi/loader/entries", id, []byte(data))
		if (err == nil) != (e != nil) {
			t.Fatalf("entry %v with error %v", e, err)
		}
		if e != nil && e.ID != id {
			t.Fatalf("id %q for %q", e.ID, id)
		}
		ParseLoaderConf("loader.conf", []byte(data))
	})
}

// FuzzCompareVersions: the order is antisymmetric and reflexive for any strings.
func FuzzCompareVersions(f *testing.F) {
	f.Add("123~rc1-1", "123^post1")
	f.Add("1.0-a_b", "1.0.a")
	f.Fuzz(func(t *testing.T, a, b string) {
		if CompareVersions(a, b) != -CompareVersions(b, a) || CompareVersions(a, a) != 0 {
			t.Fatalf("%q vs %q: %d, %d", a, b, CompareVersions(a, b), CompareVersions(b, a))
		}
	})
}
