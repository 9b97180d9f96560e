package mount

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		unit  string
		lines []string
		key   string
		line  int32
		msg   string
	}{
		{"where does not match the name", "mnt-a.mount", []string{"What=tmpfs", "Where=/mnt/b"}, "Where", 3, "doesn't match unit name"},
		{"where not absolute", "mnt-a.mount", []string{"What=tmpfs", "Where=mnt/a"}, "Where", 3, "not an absolute path"},
		{"what missing", "mnt-a.mount", []string{"Where=/mnt/a"}, "What", 0, "What= setting is missing"},
		{"bad boolean", "mnt-a.mount", []string{"What=tmpfs", "LazyUnmount=perhaps"}, "LazyUnmount", 3, "not a boolean"},
		{"bad mode", "mnt-a.mount", []string{"What=tmpfs", "DirectoryMode=999"}, "DirectoryMode", 3, "octal"},
		{"bad timeout", "mnt-a.mount", []string{"What=tmpfs", "TimeoutSec=soon"}, "TimeoutSec", 3, "time span"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := parse(tc.unit, tc.lines...)
			for _, p := range res.Problems {
				// A bad value is a warning and the line is ignored, as in systemd; what makes the mount
				// impossible (Where=, What=) refuses it.
				lenient := strings.HasPrefix(tc.name, "bad ")
				if (p.Severity == sdk.SeverityError) != lenient && p.Key == tc.key && p.Line == tc.line && p.File == "/etc/"+tc.unit && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Fatalf("want a problem at /etc/%s:%d %s= saying %q, got %v", tc.unit, tc.line, tc.key, tc.msg, res.Problems)
		})
	}
}

func TestParseWhere(t *testing.T) {
	for _, tc := range []struct{ unit, where, want string }{
		{"mnt-a.mount", "/mnt//a/", "/mnt/a"},
		{"mnt-a.mount", "", "/mnt/a"}, // from the name
		{"-.mount", "/", "/"},
		{`mnt-a\x20b.mount`, "/mnt/a b", "/mnt/a b"},
	} {
		lines := []string{"What=tmpfs"}
		if tc.where != "" {
			lines = append(lines, "Where="+tc.where)
		}
		res := parse(tc.unit, lines...)
		if res.Failed() {
			t.Fatalf("%s Where=%s: %v", tc.unit, tc.where, res.Problems)
		}
		if got := res.Properties["Where"]; got != tc.want {
			t.Errorf("%s Where=%s: %q, want %q", tc.unit, tc.where, got, tc.want)
		}
	}
}

// deps flattens dependencies to "Kind=unit" strings, sorted.
func deps(ds []*sdk.Dependency) []string {
	var out []string
	for _, d := range ds {
		for _, u := range d.Units {
			out = append(out, d.Kind+"="+u)
		}
	}
	sort.Strings(out)
	return out
}

func TestDependencies(t *testing.T) {
	for _, tc := range []struct {
		name               string
		unit               string
		lines              []string
		implicit, defaults []string
	}{
		{"local tmpfs", "mnt-t.mount", []string{"What=tmpfs", "Type=tmpfs"}, nil,
			[]string{"After=local-fs-pre.target", "After=swap.target", "Before=local-fs.target", "Before=umount.target", "Conflicts=umount.target"}},
		{"device", "mnt-d.mount", []string{"What=/dev/sdb1", "Type=ext4"},
			[]string{"After=dev-sdb1.device", "BindsTo=dev-sdb1.device"},
			[]string{"After=local-fs-pre.target", "Before=local-fs.target", "Before=umount.target", "Conflicts=umount.target"}},
		{"nofail", "mnt-d.mount", []string{"What=/dev/sdb1", "Options=nofail"},
			[]string{"After=dev-sdb1.device", "BindsTo=dev-sdb1.device"},
			[]string{"After=local-fs-pre.target", "Before=umount.target", "Conflicts=umount.target"}},
		{"bind of a device path", "mnt-b.mount", []string{"What=/dev/shm", "Options=bind"}, nil,
			[]string{"After=local-fs-pre.target", "Before=local-fs.target", "Before=umount.target", "Conflicts=umount.target"}},
		{"nfs", "mnt-n.mount", []string{"What=srv:/x", "Type=nfs"}, nil,
			[]string{"After=network-online.target", "After=network.target", "After=remote-fs-pre.target", "Before=remote-fs.target",
				"Before=umount.target", "Conflicts=umount.target", "Wants=network-online.target"}},
		{"_netdev", "mnt-n.mount", []string{"What=/dev/sdc", "Type=ext4", "Options=_netdev"},
			[]string{"After=dev-sdc.device", "BindsTo=dev-sdc.device"},
			[]string{"After=network-online.target", "After=network.target", "After=remote-fs-pre.target", "Before=remote-fs.target",
				"Before=umount.target", "Conflicts=umount.target", "Wants=network-online.target"}},
		{"root", "-.mount", []string{"What=/dev/vda1", "Type=ext4"}, nil, nil},
		{"/usr", "usr.mount", []string{"What=/dev/vda2"}, []string{"After=dev-vda2.device", "BindsTo=dev-vda2.device"}, nil},
		{"/etc", "etc.mount", []string{"What=tmpfs"}, nil, nil},
		{"/run", "run.mount", []string{"What=tmpfs"}, nil, nil},
		{"under /run", "run-data.mount", []string{"What=tmpfs", "Type=tmpfs"}, nil,
			[]string{"After=local-fs-pre.target", "After=swap.target", "Before=local-fs.target", "Before=umount.target", "Conflicts=umount.target"}},
		{"API", "sys-kernel-debug.mount", []string{"What=debugfs", "Type=debugfs"}, nil, nil},
		{"under /dev", "dev-mqueue.mount", []string{"What=mqueue", "Type=mqueue"}, nil, nil},
		{"x-initrd.mount", "mnt-i.mount", []string{"What=tmpfs", "Options=x-initrd.mount"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := parse(tc.unit, tc.lines...)
			if res.Failed() {
				t.Fatal(res.Problems)
			}
			if got := deps(res.ImplicitDeps); !reflect.DeepEqual(got, tc.implicit) {
				t.Errorf("implicit %q, want %q", got, tc.implicit)
			}
			if got := deps(res.DefaultDeps); !reflect.DeepEqual(got, tc.defaults) {
				t.Errorf("default %q, want %q", got, tc.defaults)
			}
		})
	}
}

func TestProperties(t *testing.T) {
	res := parse("mnt-a.mount", "What=tmpfs", "Type=tmpfs", "Options=size=1M", "TimeoutSec=0", "KillMode=mixed")
	for k, want := range map[string]string{"What": "tmpfs", "Where": "/mnt/a", "Type": "tmpfs", "Options": "size=1M",
		"TimeoutUSec": "infinity", "DirectoryMode": "0755", "KillMode": "mixed", "LazyUnmount": "no"} {
		if got := res.Properties[k]; got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
}

// TestDependenciesFromTheMountTable: a mount the host found in the mount table (no file) requires its device
// instead of being bound to it.
func TestDependenciesFromTheMountTable(t *testing.T) {
	res := mountType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "mnt-d.mount", DefaultDependencies: true},
		Sections: []*sdk.Section{{Name: section, Entries: []*sdk.Entry{{Key: "What", Value: "/dev/sdb1"}, {Key: "Where", Value: "/mnt/d"}}}}})
	if got, want := deps(res.ImplicitDeps), []string{"After=dev-sdb1.device", "Requires=dev-sdb1.device"}; !reflect.DeepEqual(got, want) {
		t.Errorf("implicit %q, want %q", got, want)
	}
}
