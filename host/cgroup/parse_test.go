package cgroup

import (
	"io"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

const hybridMountinfo = `22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`

const hybridCgroup = `9:name=systemd:/user.slice/session-1.scope
8:pids:/user.slice
4:memory:/process_api/x
2:cpu,cpuacct:/
0::/user.slice/session-1.scope
`

func TestNewHierarchy(t *testing.T) {
	for _, tc := range []struct {
		name, mountinfo, cgroup, mountpoint string
		mode                                Mode
		track, unified, memory, shown       string
		err                                 string
	}{
		{
			name: "hybrid", mountinfo: hybridMountinfo, cgroup: hybridCgroup, mountpoint: "/sys/fs/cgroup",
			mode:    Hybrid,
			track:   "/sys/fs/cgroup/systemd/user.slice/session-1.scope",
			unified: "/sys/fs/cgroup/unified/user.slice/session-1.scope",
			memory:  "/sys/fs/cgroup/memory/process_api/x",
			shown:   "/user.slice/session-1.scope",
		},
		{
			name: "legacy tracks in pids without name=systemd",
			mountinfo: "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n" +
				"39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n",
			cgroup: "8:pids:/a\n4:memory:/b\n", mountpoint: "/sys/fs/cgroup",
			mode: Legacy, track: "/sys/fs/cgroup/pids/a", memory: "/sys/fs/cgroup/memory/b", shown: "/a",
		},
		{
			name:      "unified at the root, init.scope dropped",
			mountinfo: "25 22 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
			cgroup:    "0::/init.scope\n", mountpoint: "/sys/fs/cgroup",
			mode: Unified, track: "/sys/fs/cgroup", unified: "/sys/fs/cgroup", shown: "/",
		},
		{
			name: "unified with a bind-mounted subtree",
			mountinfo: "25 22 0:22 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n" +
				"26 22 0:22 / /other rw - cgroup2 cgroup2 rw\n",
			cgroup: "0::/docker/abc/sub\n", mountpoint: "/sys/fs/cgroup",
			mode: Unified, track: "/sys/fs/cgroup/sub", unified: "/sys/fs/cgroup/sub", shown: "/docker/abc/sub",
		},
		{
			name: "unified mounted elsewhere, the later mount wins",
			mountinfo: "25 22 0:99 / /tmp/cg rw - tmpfs tmpfs rw\n" +
				"26 25 0:22 / /tmp/cg rw - cgroup2 cgroup2 rw\n",
			cgroup: "0::/t\n", mountpoint: "/tmp/cg/",
			mode: Unified, track: "/tmp/cg/t", unified: "/tmp/cg/t", shown: "/t",
		},
		{
			name: "escaped mount point", mountinfo: `26 25 0:22 / /tmp/a\040b rw - cgroup2 cgroup2 rw` + "\n",
			cgroup: "0::/\n", mountpoint: "/tmp/a b",
			mode: Unified, track: "/tmp/a b", unified: "/tmp/a b", shown: "/",
		},
		{name: "nothing mounted", mountinfo: hybridMountinfo, cgroup: hybridCgroup, mountpoint: "/nowhere", err: "no cgroup"},
		{
			name: "no tracking hierarchy", mountinfo: "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
			cgroup: "4:memory:/\n", mountpoint: "/sys/fs/cgroup", err: "neither",
		},
		{
			name:      "own cgroup outside the mounted subtree",
			mountinfo: "25 22 0:22 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			cgroup:    "0::/elsewhere\n", mountpoint: "/sys/fs/cgroup", err: "outside",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mounts, err := parseMountinfo(strings.NewReader(tc.mountinfo))
			if err != nil {
				t.Fatal(err)
			}
			own, err := parseProcCgroup(strings.NewReader(tc.cgroup))
			if err != nil {
				t.Fatal(err)
			}
			h, err := newHierarchy(strings.TrimSuffix(tc.mountpoint, "/"), mounts, own)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Mode() != tc.mode {
				t.Errorf("mode %v, want %v", h.Mode(), tc.mode)
			}
			if h.track.path != tc.track {
				t.Errorf("tracking %s, want %s", h.track.path, tc.track)
			}
			if got := pathOf(h.unified); got != tc.unified {
				t.Errorf("unified %s, want %s", got, tc.unified)
			}
			if got := pathOf(h.v1["memory"]); got != tc.memory {
				t.Errorf("memory %s, want %s", got, tc.memory)
			}
			if h.Root() != tc.shown {
				t.Errorf("root shown as %s, want %s", h.Root(), tc.shown)
			}
			if got, want := h.Path("system.slice/foo.service"), strings.TrimSuffix(tc.shown, "/")+"/system.slice/foo.service"; got != want {
				t.Errorf("Path %s, want %s", got, want)
			}
		})
	}
}

func pathOf(d *dir) string {
	if d == nil {
		return ""
	}
	return d.path
}

func TestCheckUnit(t *testing.T) {
	for _, u := range []string{"foo.service", "system.slice/foo.service", "a.slice/b.slice/c.scope", "x/init.scope"} {
		if err := checkUnit(u); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
	for _, u := range []string{"", "/foo", "..", "../x", "a/../b", "a//b", "a/", ".", "init.scope", "init.scope/x", "a/cgroup.procs"} {
		if err := checkUnit(u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestConversions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uint64
	}{
		{"shares of 100", cpuShares(100), 1024},
		{"shares of 1", cpuShares(1), 10},
		{"shares of 10000", cpuShares(10000), 102400},
		{"blkio of 100", blkioWeight(100), 500},
		{"blkio of 1", blkioWeight(1), 10},
		{"blkio of 10000", blkioWeight(10000), 1000},
		{"bfq of 1", bfqWeight(1), 1},
		{"bfq of 10000", bfqWeight(10000), 1000},
		{"quota 20%", quotaPerPeriod(200000), 20000},
		{"quota 150%", quotaPerPeriod(1500000), 150000},
		{"quota floor", quotaPerPeriod(1), 1000},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if limitV2(Infinity) != "max" || limitV2(32<<20) != "33554432" || limitV1(Infinity) != -1 || limitV1(5) != 5 {
		t.Error("limit formatting")
	}
	if (Settings{CPUWeight: 10001}).validate() == nil || (Settings{IOWeight: 20000}).validate() == nil {
		t.Error("out-of-range weights accepted")
	}
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add(hybridMountinfo)
	f.Add(`26 25 0:22 / /tmp/a\040b rw - cgroup2 cgroup2 rw` + "\n1 2 3 4 5 6 -\n")
	f.Fuzz(func(t *testing.T, s string) {
		mounts, err := parseMountinfo(strings.NewReader(s))
		if err != nil {
			return
		}
		own, _ := parseProcCgroup(strings.NewReader(hybridCgroup))
		_, _ = newHierarchy("/sys/fs/cgroup", mounts, own)
	})
}

func FuzzParseProcCgroup(f *testing.F) {
	f.Add(hybridCgroup)
	f.Add("0::/\n")
	f.Fuzz(func(t *testing.T, s string) {
		own, err := parseProcCgroup(strings.NewReader(s))
		if err != nil {
			return
		}
		mounts, _ := parseMountinfo(strings.NewReader(hybridMountinfo))
		_, _ = newHierarchy("/sys/fs/cgroup", mounts, own)
	})
}

// parseMountinfo is what Open does with a mount table.
func parseMountinfo(r io.Reader) ([]mount, error) {
	all, err := mountinfo.Parse(r)
	return cgroupMounts(all), err
}
