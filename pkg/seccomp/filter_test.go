package seccomp

import (
	"encoding/binary"
	"slices"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// data is a struct seccomp_data as the filter sees it. x/net/bpf's VM loads words big-endian where the kernel
// loads them in host order; writing each word big-endian gives the program the values it would see.
func data(arch, nr uint32, args ...uint64) []byte {
	b := make([]byte, 64)
	binary.BigEndian.PutUint32(b[0:], nr)
	binary.BigEndian.PutUint32(b[4:], arch)
	for i, a := range args {
		binary.BigEndian.PutUint32(b[16+8*i:], uint32(a)) // the low word, where a little-endian host has it
		binary.BigEndian.PutUint32(b[20+8*i:], uint32(a>>32))
	}
	return b
}

func runFilter(t *testing.T, f *Filter, in []byte) Action {
	t.Helper()
	raw, err := f.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("does not disassemble")
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	out, err := vm.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	return Action(uint32(out))
}

func nr(t *testing.T, name string) uint32 {
	n, ok := Number(name)
	if !ok {
		t.Fatalf("no number for %s", name)
	}
	return n
}

func TestFilterActions(t *testing.T) {
	if nativeArch == 0 {
		t.Skip("no numbers for this architecture")
	}
	eperm, eacces := Errno(unix.EPERM), Errno(unix.EACCES)
	f := &Filter{Default: Allow, BadArch: KillProcess}
	f.Add(Rule{Syscall: "mount", Action: eacces},
		Rule{Syscall: "mmap", Conds: []Cond{{Arg: 2, Op: MaskedEq, Mask: 6, Value: 6}}, Action: eperm},
		Rule{Syscall: "socket", Conds: []Cond{{Arg: 0, Op: NotEqual, Value: 1}, {Arg: 0, Op: NotEqual, Value: 16}}, Action: Errno(unix.EAFNOSUPPORT)},
		Rule{Syscall: "sched_setscheduler", Conds: []Cond{{Arg: 1, Op: Greater, Value: 5}}, Action: eperm},
		Rule{Syscall: "no_such_call", Action: eperm})
	for _, c := range []struct {
		name string
		in   []byte
		want Action
	}{
		{"mount refused", data(nativeArch, nr(t, "mount")), eacces},
		{"read allowed", data(nativeArch, nr(t, "read")), Allow},
		{"foreign architecture", data(0x40000003, nr(t, "read")), KillProcess},
		{"mmap W|X", data(nativeArch, nr(t, "mmap"), 0, 4096, 7), eperm},
		{"mmap R|W", data(nativeArch, nr(t, "mmap"), 0, 4096, 3), Allow},
		{"socket AF_UNIX", data(nativeArch, nr(t, "socket"), 1), Allow},
		{"socket AF_NETLINK", data(nativeArch, nr(t, "socket"), 16), Allow},
		{"socket AF_INET", data(nativeArch, nr(t, "socket"), 2), Errno(unix.EAFNOSUPPORT)},
		{"SCHED_DEADLINE", data(nativeArch, nr(t, "sched_setscheduler"), 0, 6), eperm},
		{"SCHED_IDLE", data(nativeArch, nr(t, "sched_setscheduler"), 0, 5), Allow},
	} {
		if got := runFilter(t, f, c.in); got != c.want {
			t.Errorf("%s: %#x, want %#x", c.name, got, c.want)
		}
	}
	if x32Bit != 0 {
		if got := runFilter(t, f, data(nativeArch, x32Bit|nr(t, "read"))); got != KillProcess {
			t.Errorf("x32 call: %#x", got)
		}
	}
}

func TestAllowList(t *testing.T) {
	if nativeArch == 0 {
		t.Skip("no numbers for this architecture")
	}
	names, ok := Expand("@system-service")
	if !ok || len(names) < 100 || slices.Contains(names, "mount") || !slices.Contains(names, "read") {
		t.Fatalf("@system-service: %d names", len(names))
	}
	f := &Filter{Default: Errno(unix.EPERM), BadArch: KillProcess}
	for _, n := range names {
		f.Add(Rule{Syscall: n, Action: Allow})
	}
	if got := runFilter(t, f, data(nativeArch, nr(t, "mount"))); got != Errno(unix.EPERM) {
		t.Errorf("mount: %#x", got)
	}
	if got := runFilter(t, f, data(nativeArch, nr(t, "openat"))); got != Allow {
		t.Errorf("openat: %#x", got)
	}
}

func TestSets(t *testing.T) {
	if _, ok := Expand("@nosuchset"); ok {
		t.Error("@nosuchset known")
	}
	if _, ok := Expand("nosuchcall"); ok {
		t.Error("nosuchcall known")
	}
	// Nested sets resolve: @privileged includes the calls of @chown and @reboot.
	priv, _ := Expand("@privileged")
	if !slices.Contains(priv, "chown") || !slices.Contains(priv, "reboot") {
		t.Errorf("@privileged: %v", priv)
	}
}
