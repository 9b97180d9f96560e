package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountKind is what a mount entry does to its path. The order is the precedence among entries of one path
// (systemd's: the first one wins), and entries of different paths are applied parents first, so that a deeper
// entry refines what its parent did (a ReadWritePaths= inside ProtectSystem=strict).
type mountKind int

const (
	mInaccessible mountKind = iota
	mBind
	mBindReadOnly
	mTmpfs
	mPrivateTmp
	mDev
	mProc
	mReadOnly
	mReadWrite
	mReadWriteImplicit // left writable inside a read-only tree, unless something else says otherwise
	mNoExec            // NoExecPaths= and ExecPaths= are a second attribute, applied after the first
	mExec
)

// mountEntry is one step of the file-system namespace.
type mountEntry struct {
	kind      mountKind
	path      string // absolute, below the root the process will see
	source    string // mBind*, mPrivateTmp
	options   string // mTmpfs
	optional  bool   // skipped when path (or source) is missing
	recursive bool   // mBind*
	directive string // for messages
}

// namespaceEntries lists the mounts the sandbox asks for, PrivateTmp= included (src are the host directories
// that back /tmp and /var/tmp, "" for a tmpfs of the process's own).
func (x *executor) namespaceEntries(sb *Sandbox, privateTmp bool, srcTmp, srcVar string) []mountEntry {
	var es []mountEntry
	add := func(kind mountKind, directive string, optional bool, paths ...string) {
		for _, p := range paths {
			es = append(es, mountEntry{kind: kind, path: p, optional: optional, directive: directive})
		}
	}
	if privateTmp {
		es = append(es, mountEntry{kind: mPrivateTmp, path: "/tmp", source: srcTmp, directive: "PrivateTmp="},
			mountEntry{kind: mPrivateTmp, path: "/var/tmp", source: srcVar, directive: "PrivateTmp="})
	}
	if sb == nil {
		return es
	}
	switch sb.ProtectSystem {
	case "strict":
		add(mReadOnly, "ProtectSystem=", false, "/")
		// Optional all: they only keep writable what exists (a RootDirectory= may have no /sys).
		add(mReadWriteImplicit, "ProtectSystem=", true, "/proc", "/sys", "/dev", "/home", "/run/user", "/root")
		// The unit's own directories stay writable, as systemd leaves them.
		for _, kind := range directoryOrder {
			set := x.ec.Directories[kind]
			if set == nil {
				continue
			}
			k, _ := lookup(directoryKinds, kind)
			for _, p := range set.Paths {
				add(mReadWrite, "ProtectSystem=", false, filepath.Join(k.base, filepath.Clean("/"+p)))
			}
		}
	case "full":
		add(mReadOnly, "ProtectSystem=", false, "/etc")
		fallthrough
	case "yes":
		add(mReadOnly, "ProtectSystem=", false, "/usr")
		add(mReadOnly, "ProtectSystem=", true, "/boot", "/efi")
	}
	switch sb.ProtectHome {
	case "yes":
		add(mInaccessible, "ProtectHome=", true, "/home", "/run/user", "/root")
	case "read-only":
		add(mReadOnly, "ProtectHome=", true, "/home", "/run/user", "/root")
	case "tmpfs":
		for _, p := range []string{"/home", "/run/user", "/root"} {
			es = append(es, mountEntry{kind: mTmpfs, path: p, options: "ro,mode=0755", optional: true, directive: "ProtectHome="})
		}
	}
	if sb.PrivateDevices {
		add(mDev, "PrivateDevices=", false, "/dev")
	}
	if sb.ProtectKernelTunables {
		add(mReadOnly, "ProtectKernelTunables=", true, "/proc/acpi", "/proc/apm", "/proc/asound", "/proc/bus",
			"/proc/fs", "/proc/irq", "/proc/latency_stats", "/proc/mtrr", "/proc/scsi", "/proc/sys",
			"/proc/sysrq-trigger", "/proc/timer_stats", "/sys/kernel/debug", "/sys/kernel/tracing")
		add(mReadOnly, "ProtectKernelTunables=", false, "/sys")
		add(mInaccessible, "ProtectKernelTunables=", true, "/proc/kallsyms", "/proc/kcore", "/sys/fs/bpf")
		add(mReadWriteImplicit, "ProtectKernelTunables=", true, "/sys/fs/cgroup")
	}
	if sb.ProtectKernelModules {
		add(mInaccessible, "ProtectKernelModules=", true, "/lib/modules", "/usr/lib/modules")
	}
	if sb.ProtectKernelLogs {
		add(mInaccessible, "ProtectKernelLogs=", true, "/proc/kmsg", "/dev/kmsg")
	}
	if sb.ProtectControlGroups {
		add(mReadOnly, "ProtectControlGroups=", false, "/sys/fs/cgroup")
	}
	if opts := procOptions(sb); opts != "" {
		es = append(es, mountEntry{kind: mProc, path: "/proc", options: opts, directive: "ProtectProc="})
	}
	for _, r := range sb.Paths {
		kind, directive := map[string]mountKind{"read-write": mReadWrite, "read-only": mReadOnly,
			"inaccessible": mInaccessible, "exec": mExec, "no-exec": mNoExec}[r.Kind],
			map[string]string{"read-write": "ReadWritePaths=", "read-only": "ReadOnlyPaths=",
				"inaccessible": "InaccessiblePaths=", "exec": "ExecPaths=", "no-exec": "NoExecPaths="}[r.Kind]
		add(kind, directive, r.Optional, r.Path)
	}
	for _, t := range sb.TemporaryFileSystems {
		es = append(es, mountEntry{kind: mTmpfs, path: t.Path, options: t.Options, directive: "TemporaryFileSystem="})
	}
	for _, b := range sb.Binds {
		kind, directive := mBind, "BindPaths="
		if b.ReadOnly {
			kind, directive = mBindReadOnly, "BindReadOnlyPaths="
		}
		es = append(es, mountEntry{kind: kind, path: b.Destination, source: b.Source, optional: b.Optional,
			recursive: !b.NonRecursive, directive: directive})
	}
	return es
}

// needsNamespace reports whether the process gets a mount namespace of its own.
func needsNamespace(sb *Sandbox, privateTmp bool) bool {
	if privateTmp {
		return true
	}
	if sb == nil {
		return false
	}
	return sb.ProtectSystem != "" || sb.ProtectHome != "" || sb.PrivateDevices || sb.PrivateMounts ||
		len(sb.Paths) > 0 || len(sb.TemporaryFileSystems) > 0 || len(sb.Binds) > 0 || sb.MountFlags != "" ||
		sb.ProtectKernelTunables || sb.ProtectKernelModules || sb.ProtectKernelLogs || sb.ProtectControlGroups ||
		procOptions(sb) != ""
}

// procOptions are the options of the procfs that ProtectProc= and ProcSubset= ask for, "" for the host's.
func procOptions(sb *Sandbox) string {
	var o []string
	if sb.ProtectProc != "" && sb.ProtectProc != "default" {
		o = append(o, "hidepid="+sb.ProtectProc)
	}
	if sb.ProcSubset == "pid" {
		o = append(o, "subset=pid")
	}
	return strings.Join(o, ",")
}

// setupNamespace gives the calling thread (locked; it execs) a mount namespace of its own and applies the
// entries under root. An error names the directive and the path that failed.
func setupNamespace(root string, es []mountEntry, mountFlags string) error {
	for _, e := range es {
		if e.kind == mInaccessible {
			// Made before anything is read-only: /run may be, once ProtectSystem=strict is applied.
			if err := makeInaccessibleNodes(); err != nil {
				return fmt.Errorf("%s: %w", inaccessibleDir, err)
			}
			break
		}
	}
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("unshare mount namespace: %w", err)
	}
	// Nothing done here may reach the host; what the host mounts later still appears here.
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / a slave: %w", err)
	}
	for i := range es {
		es[i].path = filepath.Join("/", root, es[i].path)
	}
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].path != es[j].path {
			return pathLess(es[i].path, es[j].path)
		}
		return es[i].kind < es[j].kind
	})
	// Of one path's entries, the first of each class wins: one of the access modes, one of exec/noexec.
	done := map[string]bool{}
	// A read-only tmpfs is made read-only last, so that mount points for the entries below it can be made.
	var readOnlyLast []string
	for _, e := range es {
		class := "access"
		if e.kind == mExec || e.kind == mNoExec {
			class = "exec"
		}
		if done[class+e.path] {
			continue
		}
		done[class+e.path] = true
		if err := e.apply(); err != nil {
			if e.optional && errors.Is(err, unix.ENOENT) {
				continue
			}
			return fmt.Errorf("%s%s: %w", e.directive, strings.TrimPrefix(e.path, root), err)
		}
		if e.kind == mTmpfs && tmpfsReadOnly(e.options) {
			readOnlyLast = append(readOnlyLast, e.path)
		}
	}
	for i := len(readOnlyLast) - 1; i >= 0; i-- {
		// The tmpfs itself only: what was mounted below it keeps its own mode. A bind remount of a tmpfs's
		// own mount point reaches just that mount, on any kernel.
		if err := remountOne(readOnlyLast[i], unix.MOUNT_ATTR_RDONLY, 0); err != nil {
			return err
		}
	}
	switch mountFlags {
	case "shared":
		return unix.Mount("", "/", "", unix.MS_SHARED|unix.MS_REC, "")
	case "private":
		return unix.Mount("", "/", "", unix.MS_PRIVATE|unix.MS_REC, "")
	}
	return nil
}

// pathLess orders parents before their children ("/a" < "/a/b" < "/a-b"), by components.
func pathLess(a, b string) bool {
	return slices.Compare(strings.Split(a, "/"), strings.Split(b, "/")) < 0
}

// apply makes one entry. A missing path is an error wrapping ENOENT.
func (e mountEntry) apply() error {
	switch e.kind {
	case mReadOnly:
		return e.remount(unix.MOUNT_ATTR_RDONLY, 0)
	case mReadWrite, mReadWriteImplicit:
		return e.remount(0, unix.MOUNT_ATTR_RDONLY)
	case mNoExec:
		return e.remount(unix.MOUNT_ATTR_NOEXEC, 0)
	case mExec:
		return e.remount(0, unix.MOUNT_ATTR_NOEXEC)
	case mInaccessible:
		return e.inaccessible()
	case mTmpfs:
		return e.tmpfs()
	case mBind, mBindReadOnly:
		return e.bind()
	case mPrivateTmp:
		if err := os.MkdirAll(e.path, 0o1777); err != nil {
			return err
		}
		if e.source == "" {
			return unix.Mount("tmpfs", e.path, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777")
		}
		if err := unix.Mount(e.source, e.path, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return err
		}
		// A bind copies the flags of the source's mount, which ProtectSystem=strict may have made read-only.
		return setattr(e.path, 0, unix.MOUNT_ATTR_RDONLY)
	case mDev:
		return privateDev(e.path)
	case mProc:
		return e.proc()
	}
	return fmt.Errorf("unknown mount kind %d", e.kind)
}

// remount makes path a mount of its own (a recursive bind onto itself; "/" is a mount already) and sets and
// clears attributes on it and everything below, keeping the others (nosuid, nodev, …) as they were.
func (e mountEntry) remount(set, clr uint64) error {
	// A symlink is followed (mount(2) follows it, mount_setattr must act on what it mounted).
	path, err := filepath.EvalSymlinks(e.path)
	if err != nil {
		return err
	}
	e.path = path
	if e.path != "/" {
		if err := unix.Mount(e.path, e.path, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind: %w", err)
		}
	}
	return setattr(e.path, set, clr)
}

// haveMountSetattr is false once mount_setattr(2) (Linux 5.12) turned out to be missing; tests clear it to check
// the fallback.
var haveMountSetattr = true

// setattr sets and clears mount attributes on path's mount and every mount below it.
func setattr(path string, set, clr uint64) error {
	if haveMountSetattr {
		attr := &unix.MountAttr{Attr_set: set, Attr_clr: clr}
		err := unix.MountSetattr(unix.AT_FDCWD, path, unix.AT_RECURSIVE|unix.AT_SYMLINK_NOFOLLOW, attr)
		if err != unix.ENOSYS {
			if err != nil {
				return fmt.Errorf("mount_setattr: %w", err)
			}
			return nil
		}
		haveMountSetattr = false
	}
	return remountTree(path, set, clr)
}

// msAttrs maps the MOUNT_ATTR_* bits setattr uses to the MS_* flags of a bind remount (and to statfs's ST_*
// flags, which have the same values).
var msAttrs = []struct {
	attr uint64
	ms   uintptr
}{{unix.MOUNT_ATTR_RDONLY, unix.MS_RDONLY}, {unix.MOUNT_ATTR_NOSUID, unix.MS_NOSUID},
	{unix.MOUNT_ATTR_NODEV, unix.MS_NODEV}, {unix.MOUNT_ATTR_NOEXEC, unix.MS_NOEXEC}}

// remountTree is setattr for kernels without mount_setattr: a bind remount of each mount at or below path, with
// the flags it has (statfs) changed as asked, since such a remount replaces them all.
func remountTree(path string, set, clr uint64) error {
	points, err := mountPointsBelow(path)
	if err != nil {
		return err
	}
	for _, p := range points {
		if err := remountOne(p, set, clr); err != nil {
			return err
		}
	}
	return nil
}

// remountOne changes the flags of the topmost mount at p, keeping the others it has.
func remountOne(p string, set, clr uint64) error {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", p, err)
	}
	flags := uintptr(st.Flags) & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
		unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)
	for _, m := range msAttrs {
		attr, ms := m.attr, m.ms
		if set&attr != 0 {
			flags |= ms
		}
		if clr&attr != 0 {
			flags &^= ms
		}
	}
	if err := unix.Mount("", p, "", unix.MS_REMOUNT|unix.MS_BIND|flags, ""); err != nil {
		return fmt.Errorf("remount %s: %w", p, err)
	}
	return nil
}

// mountPointsBelow lists the mount points at or below path (the topmost mount of each point is the one a
// remount by path reaches), from /proc/thread-self/mountinfo.
func mountPointsBelow(path string) ([]string, error) {
	// thread-self: the mount namespace is this thread's, not necessarily the main thread's.
	b, err := os.ReadFile("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		p := unescapeMountinfo(f[4])
		if (p == path || path == "/" || strings.HasPrefix(p, path+"/")) && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// unescapeMountinfo undoes the octal escapes (\040 for a space) of a mountinfo path.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// inaccessibleDir and inaccessibleFile are empty, mode 0000 and mounted over what InaccessiblePaths= hides (the
// file over anything that is not a directory).
const (
	inaccessibleDir  = "/run/sysmaster/inaccessible/dir"
	inaccessibleFile = "/run/sysmaster/inaccessible/reg"
)

func makeInaccessibleNodes() error {
	if err := os.MkdirAll(filepath.Dir(inaccessibleDir), 0o755); err != nil {
		return err
	}
	if err := unix.Mkdir(inaccessibleDir, 0); err != nil && err != unix.EEXIST {
		return err
	}
	fd, err := unix.Open(inaccessibleFile, unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	unix.Close(fd)
	for _, p := range []string{inaccessibleDir, inaccessibleFile} {
		if err := unix.Chmod(p, 0); err != nil {
			return err
		}
	}
	return nil
}

func (e mountEntry) inaccessible() error {
	fi, err := os.Lstat(e.path)
	if err != nil {
		return err
	}
	src := inaccessibleFile
	if fi.IsDir() {
		src = inaccessibleDir
	}
	if err := unix.Mount(src, e.path, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	return setattr(e.path, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, 0)
}

// tmpfsFlags are the mount options of TemporaryFileSystem= that are flags rather than tmpfs's own options.
var tmpfsFlags = []entry[uintptr]{
	{"ro", unix.MS_RDONLY}, {"rw", 0}, {"nosuid", unix.MS_NOSUID}, {"suid", 0}, {"nodev", unix.MS_NODEV}, {"dev", 0},
	{"noexec", unix.MS_NOEXEC}, {"exec", 0}, {"strictatime", unix.MS_STRICTATIME}, {"relatime", unix.MS_RELATIME},
	{"noatime", unix.MS_NOATIME}, {"nodiratime", unix.MS_NODIRATIME}, {"sync", unix.MS_SYNCHRONOUS},
}

func tmpfsReadOnly(options string) bool {
	for _, o := range strings.Split(options, ",") {
		if o == "ro" {
			return true
		}
	}
	return false
}

// tmpfs mounts a tmpfs: systemd's defaults (mode=0755, nodev, strictatime) and then the entry's options, but
// writable: setupNamespace makes a read-only one read-only once everything below it is mounted.
func (e mountEntry) tmpfs() error {
	if _, err := os.Lstat(e.path); err != nil {
		return err
	}
	flags := uintptr(unix.MS_NODEV | unix.MS_STRICTATIME)
	data := []string{"mode=0755"}
	for _, o := range strings.Split(e.options, ",") {
		if o == "" {
			continue
		}
		if f, ok := lookup(tmpfsFlags, o); ok {
			flags |= f &^ unix.MS_RDONLY
			if o == "dev" {
				flags &^= unix.MS_NODEV
			}
			continue
		}
		data = append(data, o)
	}
	return unix.Mount("tmpfs", e.path, "tmpfs", flags, strings.Join(data, ","))
}

// bind mounts source on path, creating path (a directory or an empty file, like the source) when missing.
func (e mountEntry) bind() error {
	fi, err := os.Stat(e.source)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(e.path); errors.Is(err, os.ErrNotExist) {
		if fi.IsDir() {
			err = os.MkdirAll(e.path, 0o755)
		} else if err = os.MkdirAll(filepath.Dir(e.path), 0o755); err == nil {
			err = os.WriteFile(e.path, nil, 0o644)
		}
		if err != nil {
			return fmt.Errorf("create mount point: %w", err)
		}
	}
	flags := uintptr(unix.MS_BIND)
	if e.recursive {
		flags |= unix.MS_REC
	}
	if err := unix.Mount(e.source, e.path, "", flags, ""); err != nil {
		return fmt.Errorf("bind %s: %w", e.source, err)
	}
	if e.kind == mBindReadOnly {
		return setattr(e.path, unix.MOUNT_ATTR_RDONLY, 0)
	}
	// Writable as asked, even where the source's mount was made read-only (a bind copies its flags).
	return setattr(e.path, 0, unix.MOUNT_ATTR_RDONLY)
}

// proc mounts a procfs of its own with ProtectProc= (hidepid) and ProcSubset= (subset=pid), in options. Where
// the kernel refuses a new procfs (EPERM: PrivateUsers=, whose user namespace does not own the PID namespace)
// the /proc there is kept, as systemd keeps it.
func (e mountEntry) proc() error {
	err := unix.Mount("proc", e.path, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, e.options)
	if err == unix.EPERM {
		return nil
	}
	return err
}

// devNodes are the pseudo devices PrivateDevices= keeps; devLinks the usual symlinks.
var (
	devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}
	devLinks = [][2]string{{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}, {"core", "/proc/kcore"}}
)

// privateDev mounts a tmpfs on dev with the pseudo devices, /dev/pts, /dev/shm and /dev/mqueue bound from the
// host's and the usual symlinks: no disks, no /dev/mem, no consoles. The host's /dev is reached through an
// O_PATH descriptor opened before the tmpfs hides it.
func privateDev(dev string) error {
	fd, err := unix.Open(dev, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	host := fmt.Sprintf("/proc/self/fd/%d/", fd)
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_STRICTATIME, "mode=0755"); err != nil {
		return err
	}
	for _, n := range devNodes {
		target := filepath.Join(dev, n)
		if err := os.WriteFile(target, nil, 0o666); err != nil {
			return err
		}
		if err := unix.Mount(host+n, target, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind /dev/%s: %w", n, err)
		}
	}
	for _, d := range []string{"pts", "shm", "mqueue"} {
		if _, err := os.Stat(host + d); err != nil {
			continue
		}
		target := filepath.Join(dev, d)
		if err := os.Mkdir(target, 0o755); err != nil {
			return err
		}
		if err := unix.Mount(host+d, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind /dev/%s: %w", d, err)
		}
	}
	for _, l := range devLinks {
		if err := os.Symlink(l[1], filepath.Join(dev, l[0])); err != nil {
			return err
		}
	}
	if _, err := os.Stat(host + "log"); err == nil {
		if target, err := os.Readlink(host + "log"); err == nil {
			_ = os.Symlink(target, filepath.Join(dev, "log"))
		}
	}
	// The binds copied the flags of the host's mounts, which ProtectSystem=strict may have made read-only:
	// /dev/shm and /dev/mqueue must stay writable.
	return setattr(dev, 0, unix.MOUNT_ATTR_RDONLY)
}
