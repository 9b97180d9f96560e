// Package signame converts between signal names and numbers as systemd spells them (man signal(7),
// systemd.kill): "SIGTERM", "TERM", "15", "RTMIN+3", "SIGRTMAX-1".
//
// Numbers come from the kernel headers of the build's architecture (golang.org/x/sys/unix), so "SIGUSR1" is 10
// on x86 and arm but 16 on mips, as the kernel there expects.
package signame

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// RTMin and RTMax are the real-time signals a program may use: the C library keeps 32 and 33 for itself, so
// SIGRTMIN is 34 as systemd sees it.
const (
	RTMin = 34
	RTMax = 64
)

// Parse parses a signal name with or without the "SIG" prefix, a real-time signal relative to RTMIN or RTMAX
// ("RTMIN+2", "SIGRTMAX-1"), or a number between 1 and RTMax. Names are case sensitive, as in systemd.
func Parse(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("signame: empty signal name")
	}
	if s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > RTMax {
			return 0, fmt.Errorf("signame: %q is not a signal number (1..%d)", s, RTMax)
		}
		return n, nil
	}
	name := strings.TrimPrefix(s, "SIG")
	if n, ok, err := realtime(name); ok {
		if err != nil {
			return 0, fmt.Errorf("signame: %q: %v", s, err)
		}
		return n, nil
	}
	if name == "" || strings.HasPrefix(name, "SIG") {
		return 0, fmt.Errorf("signame: %q is not a signal name", s)
	}
	n := int(unix.SignalNum("SIG" + name))
	if n == 0 {
		return 0, fmt.Errorf("signame: %q is not a signal name", s)
	}
	return n, nil
}

// realtime parses RTMIN, RTMIN+n, RTMAX and RTMAX-n; ok reports whether name has that shape at all.
func realtime(name string) (n int, ok bool, err error) {
	base, sign, rest := 0, 1, ""
	switch {
	case strings.HasPrefix(name, "RTMIN"):
		base, rest = RTMin, name[len("RTMIN"):]
		if rest != "" && rest[0] != '+' {
			return 0, true, fmt.Errorf("RTMIN takes +n")
		}
	case strings.HasPrefix(name, "RTMAX"):
		base, sign, rest = RTMax, -1, name[len("RTMAX"):]
		if rest != "" && rest[0] != '-' {
			return 0, true, fmt.Errorf("RTMAX takes -n")
		}
	default:
		return 0, false, nil
	}
	if rest == "" {
		return base, true, nil
	}
	off, err := strconv.Atoi(rest[1:])
	if err != nil || off < 0 || rest[1] < '0' || rest[1] > '9' {
		return 0, true, fmt.Errorf("bad offset %q", rest)
	}
	n = base + sign*off
	if n < RTMin || n > RTMax {
		return 0, true, fmt.Errorf("outside SIGRTMIN..SIGRTMAX")
	}
	return n, true, nil
}

// Name returns the name of signal n with its "SIG" prefix ("SIGTERM", "SIGRTMIN+3"), or the number in decimal
// for a signal that has no name.
func Name(n int) string {
	switch {
	case n == RTMin:
		return "SIGRTMIN"
	case n > RTMin && n <= RTMax:
		return "SIGRTMIN+" + strconv.Itoa(n-RTMin)
	case n > 0 && n < RTMin:
		if s := unix.SignalName(syscall.Signal(n)); s != "" {
			return s
		}
	}
	return strconv.Itoa(n)
}
