package seccomp

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Action is a seccomp return value (SECCOMP_RET_*).
type Action uint32

// The actions a filter uses.
const (
	KillProcess Action = 0x80000000 // SECCOMP_RET_KILL_PROCESS: the whole process dies of SIGSYS
	Allow       Action = 0x7fff0000 // SECCOMP_RET_ALLOW
	Log         Action = 0x7ffc0000 // SECCOMP_RET_LOG: allowed, and logged by the kernel's audit
)

// Errno is SECCOMP_RET_ERRNO with e: the call fails with it.
func Errno(e unix.Errno) Action { return Action(0x00050000 | uint32(e)&0xffff) }

// Op compares the low 32 bits of an argument, after the mask, with a value.
type Op int

// The comparisons a Cond makes.
const (
	MaskedEq Op = iota // arg&Mask == Value
	NotEqual           // arg&Mask != Value
	Greater            // arg&Mask > Value
)

// Cond is a condition on one argument (0–5). Only the low 32 bits are compared: every argument the sandbox
// checks (flags, modes, families, policies) is an int or its bits live there.
type Cond struct {
	Arg   int
	Op    Op
	Mask  uint32 // 0 means all bits
	Value uint32
}

// Rule gives Action to a call of Syscall when every Cond holds (always, without conditions).
type Rule struct {
	Syscall string
	Conds   []Cond
	Action  Action
}

// Filter is one seccomp program: Rules in order (the first that matches decides), else Default. A call of
// another architecture's ABI gets BadArch.
type Filter struct {
	Default Action
	BadArch Action
	Rules   []Rule
}

// Add appends rules.
func (f *Filter) Add(r ...Rule) { f.Rules = append(f.Rules, r...) }

// ErrNoArch is returned for a filter on an architecture this package has no numbers for.
var ErrNoArch = errors.New("seccomp: system call numbers of this architecture are unknown")

// seccomp_data offsets.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// Assemble compiles the filter. Rules naming a system call this architecture lacks are dropped, as systemd
// drops them.
func (f *Filter) Assemble() ([]bpf.RawInstruction, error) {
	if nativeArch == 0 {
		return nil, ErrNoArch
	}
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: nativeArch, SkipTrue: 1},
		bpf.RetConstant{Val: uint32(f.BadArch)},
		bpf.LoadAbsolute{Off: offNr, Size: 4},
	}
	if x32Bit != 0 {
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpBitsNotSet, Val: x32Bit, SkipTrue: 1},
			bpf.RetConstant{Val: uint32(f.BadArch)})
	}
	// Rules are grouped by call, in order of the call's first rule, so that each call is compared once.
	var order []uint32
	byNr := map[uint32][]Rule{}
	for _, r := range f.Rules {
		nr, ok := numbers()[r.Syscall]
		if !ok {
			continue
		}
		if _, seen := byNr[nr]; !seen {
			order = append(order, nr)
		}
		byNr[nr] = append(byNr[nr], r)
	}
	for _, nr := range order {
		block, err := f.block(byNr[nr])
		if err != nil {
			return nil, err
		}
		if len(block) > 255 {
			return nil, fmt.Errorf("seccomp: too many conditions for system call %d", nr)
		}
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: nr, SkipTrue: uint8(len(block))})
		prog = append(prog, block...)
	}
	prog = append(prog, bpf.RetConstant{Val: uint32(f.Default)})
	if len(prog) > 4096 {
		return nil, fmt.Errorf("seccomp: program of %d instructions is over the kernel's 4096", len(prog))
	}
	return bpf.Assemble(prog)
}

// block is the code for one call, entered with the number in A: each rule's conditions, each failing one
// jumping past the rule's return; after the last rule the default (A no longer holds the number).
func (f *Filter) block(rules []Rule) ([]bpf.Instruction, error) {
	var out []bpf.Instruction
	for _, r := range rules {
		if len(r.Conds) == 0 {
			return append(out, bpf.RetConstant{Val: uint32(r.Action)}), nil
		}
		var rule []bpf.Instruction
		for _, c := range r.Conds {
			if c.Arg < 0 || c.Arg > 5 {
				return nil, fmt.Errorf("seccomp: argument %d out of range", c.Arg)
			}
			rule = append(rule, bpf.LoadAbsolute{Off: uint32(offArgs + 8*c.Arg), Size: 4})
			if c.Mask != 0 && c.Mask != 0xffffffff {
				rule = append(rule, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: c.Mask})
			}
			cond := map[Op]bpf.JumpTest{MaskedEq: bpf.JumpEqual, NotEqual: bpf.JumpNotEqual, Greater: bpf.JumpGreaterThan}[c.Op]
			// SkipFalse is filled in below, once the rule's length is known.
			rule = append(rule, bpf.JumpIf{Cond: cond, Val: c.Value})
		}
		rule = append(rule, bpf.RetConstant{Val: uint32(r.Action)})
		for i, ins := range rule {
			if j, ok := ins.(bpf.JumpIf); ok {
				skip := len(rule) - i - 1 // to the instruction after the rule's return
				if skip > 255 {
					return nil, errors.New("seccomp: rule too long")
				}
				j.SkipFalse = uint8(skip)
				rule[i] = j
			}
		}
		out = append(out, rule...)
	}
	return append(out, bpf.RetConstant{Val: uint32(f.Default)}), nil
}

// Load installs prog on the calling thread (no TSYNC: the thread that execs is the one that matters, and the Go
// runtime's other threads are left alone). The thread needs no_new_privs or CAP_SYS_ADMIN.
func Load(prog []bpf.RawInstruction) error {
	if len(prog) == 0 {
		return nil
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	const setModeFilter = 1 // SECCOMP_SET_MODE_FILTER
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, setModeFilter, 0, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return fmt.Errorf("seccomp: load: %w", e)
	}
	return nil
}
