package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	cgroups "github.com/containerd/cgroups/v3"

	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

// Mode is the layout of the cgroup file systems the core found.
type Mode int

const (
	// Unified is a pure cgroup v2 system: one cgroup2 file system at the mount point.
	Unified Mode = iota + 1
	// Hybrid is v1 controller hierarchies under a tmpfs at the mount point, plus a cgroup2 file system at
	// <mountpoint>/unified that carries no controller but gives cgroup.events and cgroup.kill.
	Hybrid
	// Legacy is v1 controller hierarchies only.
	Legacy
)

// String returns the name systemd uses for the mode.
func (m Mode) String() string {
	switch m {
	case Unified:
		return "unified"
	case Hybrid:
		return "hybrid"
	case Legacy:
		return "legacy"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// mount is one line of /proc/self/mountinfo that matters here.
type mount struct {
	root   string // the directory of the file system mounted (field 4): "/" unless a subtree is bind-mounted
	point  string // where it is mounted
	fstype string
	super  []string // super options: for cgroup v1 the controllers ("cpu", "name=systemd", …)
}

// cgroupMounts keeps the cgroup and cgroup2 mounts of a mount table, in its order (a later mount on the same
// point hides an earlier one).
func cgroupMounts(all []mountinfo.Mount) []mount {
	var out []mount
	for _, m := range all {
		if m.FSType == "cgroup" || m.FSType == "cgroup2" {
			out = append(out, mount{root: m.Root, point: m.Point, fstype: m.FSType, super: strings.Split(m.SuperOptions, ",")})
		}
	}
	return out
}

// procCgroup is the parsed /proc/<pid>/cgroup: for each v1 controller (and "name=…" hierarchy) the cgroup path,
// and the v2 path under the key "".
type procCgroup map[string]string

// parseProcCgroup reads /proc/<pid>/cgroup (man cgroups: "hierarchy-ID:controller-list:cgroup-path").
func parseProcCgroup(r io.Reader) (procCgroup, error) {
	out := procCgroup{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			if parts[0] == "0" {
				out[""] = parts[2]
			}
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, sc.Err()
}

// controllersOf returns the v1 controllers a cgroup v1 mount carries, from its super options.
func (m mount) controllersOf() []string {
	var out []string
	for _, o := range m.super {
		switch {
		case strings.HasPrefix(o, "name="):
			out = append(out, o)
		case o == "rw" || o == "ro" || strings.Contains(o, "=") || o == "noprefix" || o == "clone_children" ||
			o == "xattr" || o == "cpuset_v2_mode" || o == "all" || o == "none" || o == "favordynmods" ||
			o == "nsdelegate" || o == "memory_localevents" || o == "memory_recursiveprot" || o == "memory_hugetlb_accounting":
		default:
			out = append(out, o)
		}
	}
	return out
}

// Detect returns the cgroup hierarchy at /sys/fs/cgroup, rooted at the cgroup the calling process runs in.
// It is Open("/sys/fs/cgroup").
func Detect() (*Hierarchy, error) {
	// containerd's check (statfs of /sys/fs/cgroup) is cheap and says at once when there is nothing to open.
	if cgroups.Mode() == cgroups.Unavailable {
		return nil, errors.New("cgroup: no cgroup file system is mounted at /sys/fs/cgroup")
	}
	return Open("/sys/fs/cgroup")
}

// Open returns the cgroup hierarchy mounted at mountpoint, rooted at the cgroup the calling process runs in.
//
// The mode comes from /proc/self/mountinfo: a cgroup2 file system at mountpoint is Unified; cgroup v1 file systems
// directly below mountpoint make Legacy, or Hybrid when a cgroup2 file system is also mounted at
// <mountpoint>/unified. The root comes from /proc/self/cgroup, for each hierarchy separately (a v1 controller may
// place the process elsewhere than name=systemd does); a trailing "/init.scope" is dropped, so a core that has
// moved itself there (EnterInitScope) and is started again finds the same root.
func Open(mountpoint string) (*Hierarchy, error) {
	mountpoint = filepath.Clean(mountpoint)
	all, err := mountinfo.Read()
	if err != nil && all == nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	mounts := cgroupMounts(all)
	pc, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	defer pc.Close()
	own, err := parseProcCgroup(pc)
	if err != nil {
		return nil, fmt.Errorf("cgroup: reading /proc/self/cgroup: %w", err)
	}
	return newHierarchy(mountpoint, mounts, own)
}

// newHierarchy is Open on parsed inputs.
func newHierarchy(mountpoint string, mounts []mount, own procCgroup) (*Hierarchy, error) {
	// The last mount on a point hides the earlier ones.
	at := map[string]mount{}
	var order []string
	for _, m := range mounts {
		if _, ok := at[m.point]; !ok {
			order = append(order, m.point)
		}
		at[m.point] = m
	}
	h := &Hierarchy{v1: map[string]*dir{}}
	if m, ok := at[mountpoint]; ok && m.fstype == "cgroup2" {
		d, err := rootDir(m, own, "")
		if err != nil {
			return nil, err
		}
		h.mode, h.unified, h.track, h.trackKey = Unified, d, d, ""
		return h, nil
	}
	for _, p := range order {
		m := at[p]
		if m.fstype != "cgroup" || filepath.Dir(p) != mountpoint {
			continue
		}
		cs := m.controllersOf()
		if len(cs) == 0 {
			continue
		}
		d, err := rootDir(m, own, cs[0])
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			h.v1[c] = d
		}
	}
	if len(h.v1) == 0 {
		return nil, fmt.Errorf("cgroup: no cgroup file system mounted at %s", mountpoint)
	}
	h.mode = Legacy
	if m, ok := at[filepath.Join(mountpoint, "unified")]; ok && m.fstype == "cgroup2" {
		d, err := rootDir(m, own, "")
		if err != nil {
			return nil, err
		}
		h.mode, h.unified = Hybrid, d
	}
	switch {
	case h.v1["name=systemd"] != nil:
		h.track, h.trackKey = h.v1["name=systemd"], "name=systemd"
	case h.v1["pids"] != nil:
		h.track, h.trackKey = h.v1["pids"], "pids"
	default:
		return nil, fmt.Errorf("cgroup: neither a name=systemd nor a pids hierarchy is mounted under %s", mountpoint)
	}
	return h, nil
}

// rootDir finds the calling process's cgroup in mount m, as listed under key in /proc/self/cgroup.
func rootDir(m mount, own procCgroup, key string) (*dir, error) {
	p, ok := own[key]
	if !ok {
		name := key
		if name == "" {
			name = "the unified hierarchy"
		}
		return nil, fmt.Errorf("cgroup: /proc/self/cgroup lists no cgroup in %s", name)
	}
	p = filepath.Clean("/" + p)
	if filepath.Base(p) == initScope {
		p = filepath.Dir(p)
	}
	// A bind mount of a subtree (a container without a cgroup namespace) shows the subtree at the mount point.
	rel := p
	if m.root != "/" {
		if p != m.root && !strings.HasPrefix(p, m.root+"/") {
			return nil, fmt.Errorf("cgroup: own cgroup %s is outside the subtree %s mounted at %s", p, m.root, m.point)
		}
		rel = "/" + strings.TrimPrefix(strings.TrimPrefix(p, m.root), "/")
	}
	return &dir{mount: m.point, path: filepath.Join(m.point, rel), shown: p}, nil
}
