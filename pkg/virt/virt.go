// Package virt tells whether sysmaster runs in a container, where some unit types change their defaults as
// systemd's do (man systemd-detect-virt): a swap gets no default dependencies there, since the swaps are the
// outer system's to turn off.
package virt

import (
	"os"
	"strings"
)

// Container reports a container: $container set (by a container manager, for PID 1 and so for what it starts),
// /run/systemd/container present, or a PID namespace other than the initial one, where PID 2 is not the
// kernel's kthreadd (whose parent is 0).
func Container() bool {
	if os.Getenv("container") != "" {
		return true
	}
	if _, err := os.Stat("/run/systemd/container"); err == nil {
		return true
	}
	b, err := os.ReadFile("/proc/2/stat")
	if err != nil {
		return true
	}
	return !isKthreadd(string(b))
}

// isKthreadd reports whether a /proc/PID/stat line is the kernel's kthreadd: "2 (kthreadd) S 0 …".
func isKthreadd(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 || !strings.Contains(stat[:i], "(kthreadd") {
		return false
	}
	f := strings.Fields(stat[i+1:])
	return len(f) > 1 && f[1] == "0"
}
