package exec

import (
	"runtime"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/seccomp"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// sandboxState is what the sandbox keys build up across assignments before finishExec puts it in
// Exec.Sandbox.
type sandboxState struct {
	sb   sdk.Sandbox
	used bool // a key was assigned: Exec.Sandbox is set even if everything is back to its default

	paths map[string][]sdk.PathRule // by kind, so that an empty assignment resets its own list

	// SystemCallFilter=: nil until the first assignment, whose "~" decides the mode.
	syscalls     map[string]int32 // name → errno (0: the default action, -1: kill)
	syscallAllow bool

	syscallErrno int32 // SystemCallErrorNumber=
	archForeign  bool  // SystemCallArchitectures= named an architecture that is not the native one

	families    map[int32]bool // RestrictAddressFamilies=, nil until set
	familyAllow bool

	namespaces    uint64 // RestrictNamespaces=: the allowed CLONE_NEW* flags
	namespacesSet bool

	// SystemCallLog=: nil until the first assignment, whose "~" decides the mode.
	syscallLog      map[string]bool
	syscallLogAllow bool
}

// sandboxDirectives are the keys of man systemd.exec's "Sandboxing", "System Call Filtering" and part of
// "Security".
func sandboxDirectives(h map[string]handler) {
	boolKey := func(dst func(*sdk.Sandbox) *bool) handler {
		return func(p *Parser, e *sdk.Entry) {
			p.box.used = true
			p.Bool(e, dst(&p.box.sb), false)
		}
	}
	for key, field := range map[string]func(*sdk.Sandbox) *bool{
		"PrivateDevices":         func(s *sdk.Sandbox) *bool { return &s.PrivateDevices },
		"PrivateMounts":          func(s *sdk.Sandbox) *bool { return &s.PrivateMounts },
		"ProtectKernelTunables":  func(s *sdk.Sandbox) *bool { return &s.ProtectKernelTunables },
		"ProtectKernelModules":   func(s *sdk.Sandbox) *bool { return &s.ProtectKernelModules },
		"ProtectKernelLogs":      func(s *sdk.Sandbox) *bool { return &s.ProtectKernelLogs },
		"ProtectControlGroups":   func(s *sdk.Sandbox) *bool { return &s.ProtectControlGroups },
		"PrivateNetwork":         func(s *sdk.Sandbox) *bool { return &s.PrivateNetwork },
		"PrivateIPC":             func(s *sdk.Sandbox) *bool { return &s.PrivateIPC },
		"ProtectHostname":        func(s *sdk.Sandbox) *bool { return &s.ProtectHostname },
		"ProtectClock":           func(s *sdk.Sandbox) *bool { return &s.ProtectClock },
		"RestrictRealtime":       func(s *sdk.Sandbox) *bool { return &s.RestrictRealtime },
		"RestrictSUIDSGID":       func(s *sdk.Sandbox) *bool { return &s.RestrictSUIDSGID },
		"LockPersonality":        func(s *sdk.Sandbox) *bool { return &s.LockPersonality },
		"MemoryDenyWriteExecute": func(s *sdk.Sandbox) *bool { return &s.MemoryDenyWriteExec },
		"PrivateUsers":           func(s *sdk.Sandbox) *bool { return &s.PrivateUsers },
	} {
		h[key] = boolKey(field)
	}
	h["ProtectSystem"] = func(p *Parser, e *sdk.Entry) { p.boolOr(e, &p.box.sb.ProtectSystem, "full", "strict") }
	h["ProtectHome"] = func(p *Parser, e *sdk.Entry) { p.boolOr(e, &p.box.sb.ProtectHome, "read-only", "tmpfs") }
	h["MountFlags"] = func(p *Parser, e *sdk.Entry) {
		p.box.used = true
		p.Enum(e, &p.box.sb.MountFlags, "", "shared", "slave", "private")
	}
	h["ProtectProc"] = func(p *Parser, e *sdk.Entry) {
		p.box.used = true
		p.Enum(e, &p.box.sb.ProtectProc, "", "default", "invisible", "noaccess", "ptraceable")
	}
	h["ProcSubset"] = func(p *Parser, e *sdk.Entry) {
		p.box.used = true
		p.Enum(e, &p.box.sb.ProcSubset, "", "all", "pid")
	}
	for key, kind := range map[string]string{"ReadWritePaths": "read-write", "ReadOnlyPaths": "read-only",
		"InaccessiblePaths": "inaccessible", "ExecPaths": "exec", "NoExecPaths": "no-exec"} {
		h[key] = func(p *Parser, e *sdk.Entry) { p.pathRules(e, kind) }
	}
	// The names systemd 252 still accepts for the first three.
	h["ReadWriteDirectories"], h["ReadOnlyDirectories"], h["InaccessibleDirectories"] =
		h["ReadWritePaths"], h["ReadOnlyPaths"], h["InaccessiblePaths"]
	h["TemporaryFileSystem"] = (*Parser).temporaryFileSystem
	h["BindPaths"] = func(p *Parser, e *sdk.Entry) { p.bindPaths(e, false) }
	h["BindReadOnlyPaths"] = func(p *Parser, e *sdk.Entry) { p.bindPaths(e, true) }
	h["SystemCallFilter"] = (*Parser).systemCallFilter
	h["SystemCallErrorNumber"] = (*Parser).systemCallErrorNumber
	h["SystemCallLog"] = (*Parser).systemCallLog
	h["SystemCallArchitectures"] = (*Parser).systemCallArchitectures
	h["RestrictAddressFamilies"] = (*Parser).restrictAddressFamilies
	h["RestrictNamespaces"] = (*Parser).restrictNamespaces
}

// boolOr parses a boolean or one of words: yes is "yes", no is "".
func (p *Parser) boolOr(e *sdk.Entry, dst *string, words ...string) {
	p.box.used = true
	for _, w := range words {
		if e.Value == w {
			*dst = w
			return
		}
	}
	if e.Value == "" {
		*dst = ""
		return
	}
	b, err := unitfile.ParseBool(e.Value)
	if err != nil {
		p.Bad(e, "expected a boolean, %s", strings.Join(words, " or "))
		return
	}
	*dst = ""
	if b {
		*dst = "yes"
	}
}

// words splits a list value, reporting a syntax error; nil with ok for an empty value (a reset).
func (p *Parser) words(e *sdk.Entry) ([]string, bool) {
	if strings.TrimSpace(e.Value) == "" {
		return nil, true
	}
	ws, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape)
	if err != nil {
		p.Bad(e, "%v", err)
		return nil, false
	}
	return ws, true
}

// pathRules parses ReadWritePaths= and its kin: "-" (ignore if missing) and "+" (below RootDirectory=)
// prefixes, in that order, then an absolute normalized path.
func (p *Parser) pathRules(e *sdk.Entry, kind string) {
	p.box.used = true
	ws, ok := p.words(e)
	if !ok {
		return
	}
	if p.box.paths == nil {
		p.box.paths = map[string][]sdk.PathRule{}
	}
	if ws == nil {
		p.box.paths[kind] = nil
		return
	}
	var add []sdk.PathRule
	for _, w := range ws {
		r := sdk.PathRule{Kind: kind}
		if rest, ok := strings.CutPrefix(w, "-"); ok {
			r.Optional, w = true, rest
		}
		if rest, ok := strings.CutPrefix(w, "+"); ok {
			r.RootRelative, w = true, rest
		}
		if !NormalPath(w) {
			p.Bad(e, "%q is not an absolute normalized path", w)
			return
		}
		r.Path = w
		add = append(add, r)
	}
	p.box.paths[kind] = append(p.box.paths[kind], add...)
}

// temporaryFileSystem parses "PATH[:OPTIONS]" words.
func (p *Parser) temporaryFileSystem(e *sdk.Entry) {
	p.box.used = true
	ws, ok := p.words(e)
	if !ok {
		return
	}
	if ws == nil {
		p.box.sb.TemporaryFileSystems = nil
		return
	}
	var add []sdk.TmpfsMount
	for _, w := range ws {
		path, opts, _ := strings.Cut(w, ":")
		if !NormalPath(path) {
			p.Bad(e, "%q is not an absolute normalized path", path)
			return
		}
		add = append(add, sdk.TmpfsMount{Path: path, Options: opts})
	}
	p.box.sb.TemporaryFileSystems = append(p.box.sb.TemporaryFileSystems, add...)
}

// bindPaths parses "[-]SRC[:DST[:OPTIONS]]" words; OPTIONS is rbind (the default) or norbind.
func (p *Parser) bindPaths(e *sdk.Entry, readOnly bool) {
	p.box.used = true
	ws, ok := p.words(e)
	if !ok {
		return
	}
	if ws == nil {
		var keep []sdk.BindMount
		for _, b := range p.box.sb.Binds {
			if b.ReadOnly != readOnly {
				keep = append(keep, b)
			}
		}
		p.box.sb.Binds = keep
		return
	}
	var add []sdk.BindMount
	for _, w := range ws {
		b := sdk.BindMount{ReadOnly: readOnly}
		if rest, ok := strings.CutPrefix(w, "-"); ok {
			b.Optional, w = true, rest
		}
		parts := strings.SplitN(w, ":", 3)
		b.Source, b.Destination = parts[0], parts[0]
		if len(parts) > 1 {
			b.Destination = parts[1]
		}
		if len(parts) > 2 {
			switch parts[2] {
			case "rbind", "":
			case "norbind":
				b.NonRecursive = true
			default:
				p.Bad(e, "unknown bind option %q (rbind or norbind)", parts[2])
				return
			}
		}
		if !NormalPath(b.Source) || !NormalPath(b.Destination) {
			p.Bad(e, "%q is not SOURCE[:DESTINATION[:OPTIONS]] with absolute normalized paths", w)
			return
		}
		add = append(add, b)
	}
	p.box.sb.Binds = append(p.box.sb.Binds, add...)
}

// parseErrno reads an errno name (EPERM) or number (0–4095).
func parseErrno(s string) (int32, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return int32(n), n >= 0 && n <= 4095
	}
	for n := 1; n < 4096; n++ {
		if unix.ErrnoName(unix.Errno(n)) == s {
			return int32(n), true
		}
	}
	return 0, false
}

// systemCallFilter parses SystemCallFilter=: the first assignment's "~" decides allow- or deny-listing (an
// allow list starts with @default, as systemd's does); later ones add to the list, or take out, with the
// opposite sign. An unknown name or set is a warning and ignored, as in systemd.
func (p *Parser) systemCallFilter(e *sdk.Entry) {
	p.box.used = true
	v := strings.TrimSpace(e.Value)
	if v == "" {
		p.box.syscalls = nil
		return
	}
	invert := strings.HasPrefix(v, "~")
	ws, err := unitfile.SplitWords(strings.TrimPrefix(v, "~"), unitfile.SplitCUnescape)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	allow := !invert
	if p.box.syscalls != nil {
		allow = p.box.syscallAllow
	}
	// Every word is checked before anything changes.
	type item struct {
		name  string
		errno int32
	}
	var items []item
	for _, w := range ws {
		name, errName, hasErrno := strings.Cut(w, ":")
		var errno int32
		if hasErrno {
			n, ok := parseErrno(errName)
			switch {
			case errName == "kill":
				errno = -1
			case !ok:
				p.Bad(e, "%q is not an errno name or number", errName)
				return
			case !allow || invert:
				errno = n
			}
		}
		items = append(items, item{name, errno})
	}
	if p.box.syscalls == nil {
		p.box.syscalls, p.box.syscallAllow = map[string]int32{}, allow
		if allow {
			names, _ := seccomp.Expand("@default")
			for _, n := range names {
				p.box.syscalls[n] = 0
			}
		}
	}
	add := invert != allow // the same sign as the list: add to it
	for _, it := range items {
		names, ok := seccomp.Expand(it.name)
		if !ok {
			p.Res.Warnf(e, p.Section, e.Key, "Failed to parse system call, ignoring: %s", it.name)
			continue
		}
		for _, n := range names {
			if add {
				p.box.syscalls[n] = it.errno
			} else {
				delete(p.box.syscalls, n)
			}
		}
	}
}

// systemCallLog parses SystemCallLog=: as SystemCallFilter= without errnos, and without @default in an allow
// list (the names are the calls logged; with "~", every call but the names).
func (p *Parser) systemCallLog(e *sdk.Entry) {
	p.box.used = true
	v := strings.TrimSpace(e.Value)
	if v == "" {
		p.box.syscallLog = nil
		return
	}
	invert := strings.HasPrefix(v, "~")
	ws, err := unitfile.SplitWords(strings.TrimPrefix(v, "~"), unitfile.SplitCUnescape)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	if p.box.syscallLog == nil {
		p.box.syscallLog, p.box.syscallLogAllow = map[string]bool{}, !invert
	}
	add := invert != p.box.syscallLogAllow
	for _, w := range ws {
		names, ok := seccomp.Expand(w)
		if !ok {
			p.Res.Warnf(e, p.Section, e.Key, "Failed to parse system call, ignoring: %s", w)
			continue
		}
		for _, n := range names {
			if add {
				p.box.syscallLog[n] = true
			} else {
				delete(p.box.syscallLog, n)
			}
		}
	}
}

func (p *Parser) systemCallErrorNumber(e *sdk.Entry) {
	p.box.used = true
	if e.Value == "" || e.Value == "kill" {
		p.box.syscallErrno = 0
		return
	}
	n, ok := parseErrno(e.Value)
	if !ok || n == 0 {
		p.Bad(e, "not an errno name or number between 1 and 4095, or \"kill\"")
		return
	}
	p.box.syscallErrno = n
}

// nativeArchs are the names SystemCallArchitectures= knows for the architectures sysmaster runs on.
var nativeArchs = map[string]string{"amd64": "x86-64", "arm64": "arm64"}

// systemCallArchitectures accepts "native" and the native architecture's name; any other architecture cannot be
// allowed beside the native one (there are no numbers for it here), so the restriction is dropped with a
// warning rather than refusing that architecture's calls.
func (p *Parser) systemCallArchitectures(e *sdk.Entry) {
	p.box.used = true
	ws, ok := p.words(e)
	if !ok {
		return
	}
	if ws == nil {
		p.box.sb.SyscallArchNative, p.box.archForeign = false, false
		return
	}
	for _, w := range ws {
		if w != "native" && w != nativeArchs[runtime.GOARCH] {
			p.Res.Warnf(e, p.Section, e.Key, "SystemCallArchitectures=%s is not supported (only native is): the architecture restriction is not applied", w)
			p.box.sb.SyscallArchNative = false
			p.box.archForeign = true
			if p.x != nil {
				p.x.Unenforced = AppendUnique(p.x.Unenforced, e.Key)
			}
			return
		}
	}
	if !p.box.archForeign {
		p.box.sb.SyscallArchNative = true
	}
}

// addressFamilies are the AF_* names RestrictAddressFamilies= takes, with Linux's numbers.
var addressFamilies = map[string]int32{
	"AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_AX25": 3, "AF_IPX": 4, "AF_APPLETALK": 5, "AF_NETROM": 6,
	"AF_BRIDGE": 7, "AF_ATMPVC": 8, "AF_X25": 9, "AF_INET6": 10, "AF_ROSE": 11, "AF_DECnet": 12,
	"AF_NETBEUI": 13, "AF_SECURITY": 14, "AF_KEY": 15, "AF_NETLINK": 16, "AF_PACKET": 17, "AF_ASH": 18,
	"AF_ECONET": 19, "AF_ATMSVC": 20, "AF_RDS": 21, "AF_SNA": 22, "AF_IRDA": 23, "AF_PPPOX": 24,
	"AF_WANPIPE": 25, "AF_LLC": 26, "AF_IB": 27, "AF_MPLS": 28, "AF_CAN": 29, "AF_TIPC": 30, "AF_BLUETOOTH": 31,
	"AF_IUCV": 32, "AF_RXRPC": 33, "AF_ISDN": 34, "AF_PHONET": 35, "AF_IEEE802154": 36, "AF_CAIF": 37,
	"AF_ALG": 38, "AF_NFC": 39, "AF_VSOCK": 40, "AF_KCM": 41, "AF_QIPCRTR": 42, "AF_SMC": 43, "AF_XDP": 44,
	"AF_MCTP": 45,
}

// restrictAddressFamilies parses RestrictAddressFamilies=: "none" allows none, "~" makes a deny list; later
// assignments merge as SystemCallFilter='s do. An unknown family is a warning and ignored, as in systemd.
func (p *Parser) restrictAddressFamilies(e *sdk.Entry) {
	p.box.used = true
	v := strings.TrimSpace(e.Value)
	if v == "" {
		p.box.families = nil
		return
	}
	if v == "none" {
		p.box.families, p.box.familyAllow = map[int32]bool{}, true
		return
	}
	invert := strings.HasPrefix(v, "~")
	ws, err := unitfile.SplitWords(strings.TrimPrefix(v, "~"), 0)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	if p.box.families == nil {
		p.box.families, p.box.familyAllow = map[int32]bool{}, !invert
	}
	add := invert != p.box.familyAllow
	for _, w := range ws {
		af, ok := addressFamilies[w]
		if !ok {
			p.Res.Warnf(e, p.Section, e.Key, "Failed to parse address family, ignoring: %s", w)
			continue
		}
		if add {
			p.box.families[af] = true
		} else {
			delete(p.box.families, af)
		}
	}
}

// namespaceTypes are RestrictNamespaces='s names, with their CLONE_NEW* flags.
var namespaceTypes = map[string]uint64{"cgroup": 0x02000000, "ipc": 0x08000000, "net": 0x40000000,
	"mnt": 0x00020000, "pid": 0x20000000, "user": 0x10000000, "uts": 0x04000000}

func allNamespaceTypes() uint64 {
	var all uint64
	for _, f := range namespaceTypes {
		all |= f
	}
	return all
}

// restrictNamespaces parses RestrictNamespaces=: a boolean (yes allows none), or the types allowed, or with "~"
// the types refused. Assignments merge: allowed types add up, refused ones are taken out.
func (p *Parser) restrictNamespaces(e *sdk.Entry) {
	p.box.used = true
	v := strings.TrimSpace(e.Value)
	if v == "" {
		p.box.namespacesSet = false
		return
	}
	if b, err := unitfile.ParseBool(v); err == nil {
		p.box.namespacesSet, p.box.namespaces = b, 0
		return
	}
	invert := strings.HasPrefix(v, "~")
	var flags uint64
	for _, w := range strings.Fields(strings.TrimPrefix(v, "~")) {
		f, ok := namespaceTypes[w]
		if !ok {
			p.Bad(e, "unknown namespace type %q", w)
			return
		}
		flags |= f
	}
	if invert {
		flags = allNamespaceTypes() &^ flags
	}
	if !p.box.namespacesSet {
		p.box.namespacesSet, p.box.namespaces = true, flags
		return
	}
	if invert {
		p.box.namespaces &= flags
	} else {
		p.box.namespaces |= flags
	}
}

// finishSandbox puts the sandbox together; nil when no key was assigned.
func (p *Parser) finishSandbox() *sdk.Sandbox {
	b := &p.box
	if !b.used {
		return nil
	}
	sb := b.sb
	for _, kind := range []string{"read-write", "read-only", "inaccessible", "exec", "no-exec"} {
		sb.Paths = append(sb.Paths, b.paths[kind]...)
	}
	if b.syscalls != nil {
		f := &sdk.SyscallFilter{AllowList: b.syscallAllow, DefaultErrno: b.syscallErrno}
		for _, n := range sortedNames(b.syscalls) {
			f.Names = append(f.Names, n)
			if e := b.syscalls[n]; e != 0 {
				if f.Errnos == nil {
					f.Errnos = map[string]int32{}
				}
				f.Errnos[n] = e
			}
		}
		sb.SyscallFilter = f
	}
	if b.families != nil {
		sb.AddressFamiliesSet, sb.AddressFamiliesAllow = true, b.familyAllow
		for af := int32(0); af < 64; af++ {
			if b.families[af] {
				sb.AddressFamilies = append(sb.AddressFamilies, af)
			}
		}
	}
	if b.syscallLog != nil {
		sb.SyscallLogSet, sb.SyscallLogAllow = true, b.syscallLogAllow
		for n := range b.syscallLog {
			sb.SyscallLog = append(sb.SyscallLog, n)
		}
		sort.Strings(sb.SyscallLog)
	}
	sb.RestrictNamespacesSet, sb.NamespacesAllowed = b.namespacesSet, b.namespaces
	if sb.RestrictNamespacesSet && sb.NamespacesAllowed == allNamespaceTypes() {
		sb.RestrictNamespacesSet = false
	}
	return &sb
}

func sortedNames(m map[string]int32) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
