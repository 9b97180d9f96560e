package executor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// The spec's encoding is private to a core and the executor it opened at start (host/exec holds the binary
// open, so both come from one release): a version tag, then every field of Spec in the order of Spec.code, each
// as an unsigned varint (numbers, booleans, lengths and counts) or a length followed by bytes (strings). One
// walk over the fields both encodes and decodes, so that the two cannot disagree on the order. It needs no
// reflection and no protobuf runtime, whose package initialisers would cost every spawn.

// specVersion names the layout of Spec.code; a change to the fields changes it.
const specVersion = "sysmaster-executor-spec 2\n"

// Encode returns s in the executor's encoding.
func (s *Spec) Encode() []byte {
	c := &coder{enc: true, buf: []byte(specVersion)}
	s.code(c)
	return c.buf
}

// DecodeSpec reads a Spec that Encode wrote. It refuses another version, a truncated or oversized field and
// trailing bytes; lengths are checked against the input before anything is allocated.
func DecodeSpec(b []byte) (*Spec, error) {
	if len(b) < len(specVersion) || string(b[:len(specVersion)]) != specVersion {
		return nil, errors.New("spec: not a spec of this executor's version")
	}
	c := &coder{buf: b[len(specVersion):]}
	s := &Spec{}
	s.code(c)
	if c.err == nil && len(c.buf) > 0 {
		c.err = fmt.Errorf("%d bytes after the spec", len(c.buf))
	}
	if c.err != nil {
		return nil, fmt.Errorf("spec: %w", c.err)
	}
	return s, nil
}

func (s *Spec) code(c *coder) {
	c.str(&s.Path)
	c.strs(&s.Argv)
	c.strs(&s.FdNames)
	c.flag(&s.Main)
	s.Exec.code(c)
	c.strs(&s.CgroupProcs)
	c.str(&s.Unit)
	c.str(&s.InvocationID)
	c.strs(&s.ManagerEnv)
	c.str(&s.NotifySocket)
	c.integer(&s.Fds)
	c.str(&s.SystemCredentials)
	c.str(&s.NamespaceUnit)
	c.str(&s.NamespaceInvocation)
	c.str(&s.UtmpFile)
	c.str(&s.WtmpFile)
	c.flag(&s.CredentialsReady)
	c.str(&s.CredentialsError)
}

func (e *Exec) code(c *coder) {
	c.str(&e.User)
	c.str(&e.Group)
	c.strs(&e.SupplementaryGroups)
	c.str(&e.WorkingDirectory)
	c.str(&e.RootDirectory)
	c.strs(&e.Environment)
	c.i32(&e.Umask)
	c.i32(&e.Nice)
	c.flag(&e.NiceSet)
	c.i32(&e.OomScoreAdjust)
	c.flag(&e.OomScoreAdjustSet)
	codeMap(c, &e.Limits, record(func(l *Rlimit) { c.u64(&l.Soft); c.u64(&l.Hard) }))
	c.str(&e.CpuSchedulingPolicy)
	c.i32(&e.CpuSchedulingPriority)
	c.flag(&e.NoNewPrivileges)
	c.strs(&e.CapabilityBoundingSet)
	c.strs(&e.AmbientCapabilities)
	c.str(&e.StandardInput)
	c.str(&e.StandardOutput)
	c.str(&e.StandardError)
	c.str(&e.TtyPath)
	codeMap(c, &e.Directories, record(func(d *DirectorySet) { c.strs(&d.Paths); c.u32(&d.Mode); c.flag(&d.Preserve) }))
	c.flag(&e.PrivateTmp)
	c.flag(&e.Setsid)
	c.flag(&e.FullPrivileges)
	c.flag(&e.AmbientOnly)
	c.bytes(&e.StandardInputData)
	c.flag(&e.KeepSigpipe)
	c.flag(&e.NoCapabilities)
	codeOptional(c, &e.Sandbox, (*Sandbox).code)
	c.i32(&e.Ioprio)
	c.flag(&e.IoprioSet)
	codeSlice(c, &e.CpuAffinity, c.u32)
	c.str(&e.KeyringMode)
	codeList(c, &e.Credentials, func(cr *Credential) {
		c.str(&cr.Id)
		c.str(&cr.Path)
		c.bytes(&cr.Data)
		c.flag(&cr.Encrypted)
	})
	c.flag(&e.TtyReset)
	c.flag(&e.TtyVhangup)
	c.flag(&e.TtyVtDisallocate)
	c.u32(&e.TtyRows)
	c.u32(&e.TtyColumns)
	c.str(&e.UtmpIdentifier)
	c.str(&e.UtmpMode)
}

func (sb *Sandbox) code(c *coder) {
	c.str(&sb.ProtectSystem)
	c.str(&sb.ProtectHome)
	c.flag(&sb.PrivateDevices)
	c.flag(&sb.PrivateMounts)
	codeList(c, &sb.Paths, func(p *PathRule) {
		c.str(&p.Kind)
		c.str(&p.Path)
		c.flag(&p.Optional)
		c.flag(&p.RootRelative)
	})
	codeList(c, &sb.TemporaryFileSystems, func(t *TmpfsMount) { c.str(&t.Path); c.str(&t.Options) })
	codeList(c, &sb.Binds, func(b *BindMount) {
		c.str(&b.Source)
		c.str(&b.Destination)
		c.flag(&b.ReadOnly)
		c.flag(&b.Optional)
		c.flag(&b.NonRecursive)
	})
	c.str(&sb.MountFlags)
	c.flag(&sb.ProtectKernelTunables)
	c.flag(&sb.ProtectKernelModules)
	c.flag(&sb.ProtectKernelLogs)
	c.flag(&sb.ProtectControlGroups)
	c.str(&sb.ProtectProc)
	c.str(&sb.ProcSubset)
	c.flag(&sb.PrivateNetwork)
	c.flag(&sb.PrivateIpc)
	c.flag(&sb.ProtectHostname)
	c.flag(&sb.ProtectClock)
	codeOptional(c, &sb.SyscallFilter, func(f *SyscallFilter, c *coder) {
		c.flag(&f.AllowList)
		c.strs(&f.Names)
		codeMap(c, &f.Errnos, c.i32)
		c.i32(&f.DefaultErrno)
	})
	c.flag(&sb.SyscallArchitecturesNative)
	codeSlice(c, &sb.AddressFamilies, c.i32)
	c.flag(&sb.AddressFamiliesAllow)
	c.flag(&sb.AddressFamiliesSet)
	c.flag(&sb.RestrictRealtime)
	c.flag(&sb.RestrictSuidSgid)
	c.flag(&sb.LockPersonality)
	c.flag(&sb.MemoryDenyWriteExecute)
	c.u64(&sb.NamespacesAllowed)
	c.flag(&sb.RestrictNamespacesSet)
	c.flag(&sb.PrivateUsers)
	c.strs(&sb.SyscallLog)
	c.flag(&sb.SyscallLogAllow)
	c.flag(&sb.SyscallLogSet)
}

// coder encodes into buf (enc) or decodes from it. A decoding error sticks: every later field reads as zero.
type coder struct {
	enc bool
	buf []byte
	err error
}

func (c *coder) u64(v *uint64) {
	if c.enc {
		c.buf = binary.AppendUvarint(c.buf, *v)
		return
	}
	if c.err != nil {
		*v = 0
		return
	}
	x, n := binary.Uvarint(c.buf)
	if n <= 0 {
		c.err = errors.New("truncated or overlong number")
		return
	}
	*v, c.buf = x, c.buf[n:]
}

// bounded codes a number that must not exceed limit.
func (c *coder) bounded(v, limit uint64) uint64 {
	c.u64(&v)
	if !c.enc && v > limit && c.err == nil {
		c.err = fmt.Errorf("%d out of range (at most %d)", v, limit)
		return 0
	}
	return v
}

func (c *coder) u32(v *uint32) { *v = uint32(c.bounded(uint64(*v), 1<<32-1)) }

// i32 stores the two's complement of v in 32 bits: -1, the common negative value, is five bytes.
func (c *coder) i32(v *int32) { *v = int32(uint32(c.bounded(uint64(uint32(*v)), 1<<32-1))) }

func (c *coder) integer(v *int) { *v = int(c.bounded(uint64(*v), 1<<31-1)) }

func (c *coder) flag(v *bool) {
	var x uint64
	if *v {
		x = 1
	}
	*v = c.bounded(x, 1) == 1
}

// count codes the length of a list, which cannot exceed the bytes left when decoding (each element takes one
// at least): a corrupt count never allocates more than the input's size.
func (c *coder) count(n int) int {
	x := uint64(n)
	c.u64(&x)
	if !c.enc && x > uint64(len(c.buf)) && c.err == nil {
		c.err = fmt.Errorf("length %d beyond the %d bytes left", x, len(c.buf))
	}
	if c.err != nil {
		return 0
	}
	return int(x)
}

func (c *coder) bytes(v *[]byte) {
	n := c.count(len(*v))
	if c.enc {
		c.buf = append(c.buf, *v...)
		return
	}
	if n == 0 || c.err != nil {
		*v = nil
		return
	}
	*v, c.buf = slices.Clone(c.buf[:n]), c.buf[n:]
}

func (c *coder) str(v *string) {
	n := c.count(len(*v))
	if c.enc {
		c.buf = append(c.buf, *v...)
		return
	}
	if c.err != nil {
		*v = ""
		return
	}
	*v, c.buf = string(c.buf[:n]), c.buf[n:]
}

func (c *coder) strs(v *[]string) { codeSlice(c, v, c.str) }

// codeSlice codes a list of values; decoded, an empty list is nil.
func codeSlice[T any](c *coder, v *[]T, f func(*T)) {
	n := c.count(len(*v))
	if !c.enc {
		*v = nil
		if n == 0 || c.err != nil {
			return
		}
		*v = make([]T, n)
	}
	for i := range *v {
		f(&(*v)[i])
	}
}

// codeList codes a list of records; a nil entry is coded as the zero record.
func codeList[T any](c *coder, v *[]*T, f func(*T)) { codeSlice(c, v, record(f)) }

// record adapts f, which codes a record, to a reference that may be nil: the zero record is coded for it, and a
// decoded one is never nil.
func record[T any](f func(*T)) func(**T) {
	return func(p **T) {
		if *p == nil {
			*p = new(T)
		}
		f(*p)
	}
}

// codeOptional codes a record that may be absent.
func codeOptional[T any](c *coder, v **T, f func(*T, *coder)) {
	present := *v != nil
	c.flag(&present)
	if !c.enc {
		*v = nil
		if !present || c.err != nil {
			return
		}
		*v = new(T)
	}
	if present {
		f(*v, c)
	}
}

// codeMap codes a map in the order of its keys, so that one Spec has one encoding; a nil value is coded as the
// zero value.
func codeMap[V any](c *coder, v *map[string]V, f func(*V)) {
	keys := slices.Sorted(maps.Keys(*v))
	n := c.count(len(keys))
	if !c.enc {
		*v = nil
		if n == 0 || c.err != nil {
			return
		}
		*v = make(map[string]V, n)
		keys = make([]string, n)
	}
	for _, k := range keys {
		c.str(&k)
		var val V
		if c.enc {
			val = (*v)[k]
		}
		f(&val)
		if !c.enc && c.err == nil {
			(*v)[k] = val
		}
	}
}
