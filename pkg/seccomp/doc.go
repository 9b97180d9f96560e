// Package seccomp holds systemd's system call sets (SystemCallFilter=@system-service and the others) and
// assembles seccomp BPF programs in pure Go, for a static binary without libseccomp.
//
// The sets are data generated from systemd 252's `systemd-analyze syscall-filter` (zgroups.go), the system call
// numbers from golang.org/x/sys (zsysnum_linux_*.go); `go run gen.go` regenerates both. Only the native
// architecture of the build (x86-64 or aarch64) has numbers: a Filter checks the architecture of every call and
// gives a call of another ABI (i386 through int 0x80, x32) its BadArch action.
//
// A Filter is a default action plus rules, each a system call with optional conditions on its arguments:
//
//	f := &seccomp.Filter{Default: seccomp.Allow, BadArch: seccomp.KillProcess}
//	f.Add(seccomp.Rule{Syscall: "mount", Action: seccomp.Errno(unix.EPERM)})
//	prog, err := f.Assemble()
//	// … and, on the thread that execs, last: seccomp.Load(prog)
package seccomp
