package fstab

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	in := `# a comment
/dev/sda1  /          ext4  errors=remount-ro  0  1

UUID=1234  /home  ext4  defaults,nofail  0  2
  # indented comment
/srv/my\040dir  /mnt/with\040space  none  bind
LABEL=x /x
/dev/sdb1
/dev/sdc1 /c ext4 defaults 0 1 extra
/dev/sdd1 /d ext4 defaults zero
tmpfs /tmp tmpfs mode=1777,size=10%
/dev/sde1 /e ext4 defaults 0 -1
/a\777 /b
`
	entries, problems := Parse("/etc/fstab", strings.NewReader(in))
	want := []Entry{
		{Line: 2, What: "/dev/sda1", Where: "/", Type: "ext4", Options: "errors=remount-ro", Passno: 1},
		{Line: 4, What: "UUID=1234", Where: "/home", Type: "ext4", Options: "defaults,nofail", Passno: 2},
		{Line: 6, What: "/srv/my dir", Where: "/mnt/with space", Type: "none", Options: "bind"},
		{Line: 7, What: "LABEL=x", Where: "/x", Type: "auto", Options: "defaults"},
		{Line: 11, What: "tmpfs", Where: "/tmp", Type: "tmpfs", Options: "mode=1777,size=10%"},
	}
	if !reflect.DeepEqual(entries, want) {
		t.Errorf("entries:\n got  %+v\n want %+v", entries, want)
	}
	var lines []string
	for _, p := range problems {
		lines = append(lines, fmt.Sprintf("%s:%d", p.File, p.Line))
		if !strings.HasPrefix(p.Error(), fmt.Sprintf("/etc/fstab:%d: malformed ", p.Line)) {
			t.Errorf("message %q", p.Error())
		}
	}
	if got := strings.Join(lines, " "); got != "/etc/fstab:8 /etc/fstab:9 /etc/fstab:10 /etc/fstab:12 /etc/fstab:13" {
		t.Errorf("problems at %s", got)
	}
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name, opts string
		swap       bool
		want       Options
	}{
		{"none", "defaults", false, Options{}},
		{"noauto then auto", "noauto,auto", false, Options{}},
		{"auto then noauto", "auto,noauto,nofail", false, Options{NoAuto: true, NoFail: true}},
		{"nofail then fail", "nofail,fail", false, Options{}},
		{"automount", "x-systemd.automount,x-systemd.idle-timeout=1min,x-systemd.idle-timeout=30", false,
			Options{Automount: true, IdleTimeout: "30"}},
		{"old comment= forms", "comment=systemd.automount,comment=systemd.device-timeout=5", false,
			Options{Automount: true, DeviceTimeout: "5"}},
		{"swap takes no automount", "x-systemd.automount,x-systemd.rw-only", true, Options{}},
		{"lists", "x-systemd.requires=a.service,x-systemd.requires=/srv,x-systemd.after=b,x-systemd.before=c," +
			"x-systemd.wanted-by=d,x-systemd.required-by=e,x-systemd.requires-mounts-for=/f", false,
			Options{Requires: []string{"a.service", "/srv"}, After: []string{"b"}, Before: []string{"c"}, WantedBy: []string{"d"},
				RequiredBy: []string{"e"}, RequiresMountsFor: []string{"/f"}}},
		{"flags", "x-systemd.makefs,x-systemd.growfs,x-systemd.rw-only,_netdev,x-systemd.mount-timeout=10m", false,
			Options{MakeFS: true, GrowFS: true, RWOnly: true, Netdev: true, MountTimeout: "10m"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ParseOptions(c.opts, c.swap); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
	if got := Filter("a,x-systemd.device-timeout=3,b,x-systemd.device-timeout", "x-systemd.device-timeout"); got != "a,b" {
		t.Errorf("Filter = %q", got)
	}
	if Has("nofailx,x", "nofail") || !Has("a,nofail", "nofail") {
		t.Error("Has matches whole options only")
	}
}

func TestNode(t *testing.T) {
	for in, want := range map[string]string{
		"LABEL=root": "/dev/disk/by-label/root", `LABEL="my disk"`: `/dev/disk/by-label/my\x20disk`,
		"LABEL=a/b": `/dev/disk/by-label/a\x2fb`, "UUID=ab-12": "/dev/disk/by-uuid/ab-12",
		"PARTUUID=1": "/dev/disk/by-partuuid/1", "PARTLABEL=p": "/dev/disk/by-partlabel/p", "/dev/sda1": "/dev/sda1",
		"server:/export": "server:/export", "tmpfs": "tmpfs",
	} {
		if got := Node(in); got != want {
			t.Errorf("Node(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		fstype, opts string
		want         bool
	}{{"nfs", "", true}, {"nfs4", "defaults", true}, {"fuse.sshfs", "", true}, {"ext4", "_netdev", true}, {"ext4", "", false}, {"tmpfs", "", false}} {
		if got := IsNetwork(c.fstype, c.opts); got != c.want {
			t.Errorf("IsNetwork(%q, %q) = %v", c.fstype, c.opts, got)
		}
	}
	for p, want := range map[string]bool{"/proc": true, "/sys/fs/cgroup/unified": true, "/dev/pts": true, "/home": false, "/": false} {
		if IsAPI(p) != want {
			t.Errorf("IsAPI(%q) = %v", p, !want)
		}
	}
}

// escape writes a field as fstab wants it: blanks, tabs, newlines and backslashes as octal.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\\', '\r', '\v', '\f':
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzParse: Parse never panics; each line is an entry, a problem naming its line, or a blank/comment; and an
// entry written back (fields escaped) reads as the same entry.
func FuzzParse(f *testing.F) {
	f.Add("/dev/sda1 / ext4 defaults 0 1\n#c\nLABEL=x /x\n")
	f.Add(`/a\040b /c\134d none bind` + "\n/x\n/a /b c d 1 2 3\n")
	f.Add("tmpfs /tmp tmpfs mode=1777 0 0\n/dev/x /y z w -1\n")
	f.Fuzz(func(t *testing.T, in string) {
		entries, problems := Parse("fstab", strings.NewReader(in))
		seen := map[int]bool{}
		for _, p := range problems {
			seen[p.Line] = true
		}
		for _, e := range entries {
			if seen[e.Line] {
				t.Fatalf("line %d is both an entry and a problem", e.Line)
			}
			if e.What == "" || e.Where == "" || e.Type == "" || e.Options == "" || e.Freq < 0 || e.Passno < 0 {
				t.Fatalf("entry %+v has an empty field", e)
			}
			line := fmt.Sprintf("%s %s %s %s %d %d", escape(e.What), escape(e.Where), escape(e.Type), escape(e.Options), e.Freq, e.Passno)
			again, p := Parse("fstab", strings.NewReader(line))
			if len(p) != 0 || len(again) != 1 {
				t.Fatalf("%+v written as %q reads as %+v, %v", e, line, again, p)
			}
			again[0].Line = e.Line
			if again[0] != e {
				t.Fatalf("%+v written as %q reads as %+v", e, line, again[0])
			}
		}
	})
}

func TestIsExtrinsic(t *testing.T) {
	for _, tc := range []struct {
		where, opts string
		want        bool
	}{
		{"/", "", true}, {"/usr", "", true}, {"/etc", "", true}, {"/run", "", true}, {"/run/initramfs", "", true},
		{"/run/initramfs/x", "", true}, {"/proc/sys/fs/binfmt_misc", "", true}, {"/sys", "", true}, {"/dev/mqueue", "", true},
		{"/mnt", "x-initrd.mount", true}, {"/run/user/0", "", false}, {"/usr/local", "", false}, {"/device", "", false},
		{"/home", "rw,nosuid", false},
	} {
		if got := IsExtrinsic(tc.where, tc.opts); got != tc.want {
			t.Errorf("IsExtrinsic(%q, %q) = %v", tc.where, tc.opts, got)
		}
	}
}
