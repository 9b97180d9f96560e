package condition

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func cpus(param string) (bool, error) {
	return compareNumber(param, uint64(runtime.NumCPU()), func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) })
}

func memory(param string) (bool, error) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return false, err
	}
	return compareNumber(param, uint64(si.Totalram)*uint64(si.Unit), parseSize)
}

// osRelease: "KEY=VALUE" (or another operator, compared as versions) against /etc/os-release.
func osRelease(param string) (bool, error) {
	fields := map[string]string{}
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				fields[k] = strings.Trim(v, `"'`)
			}
		}
		f.Close()
		break
	}
	for _, part := range strings.Fields(param) {
		i := strings.IndexAny(part, "<>=!")
		if i <= 0 {
			return false, nil
		}
		op, v := splitOp(part[i:])
		have, ok := fields[part[:i]]
		if !ok {
			return false, nil
		}
		if (op == "=" || op == "!=") && !compareOK(op, strings.Compare(have, v)) {
			return false, nil
		}
		if op != "=" && op != "!=" && !compareOK(op, versionCompare(have, v)) {
			return false, nil
		}
	}
	return true, nil
}

// cpuFeature looks for a flag in /proc/cpuinfo.
func cpuFeature(param string) (bool, error) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (strings.TrimSpace(k) == "flags" || strings.TrimSpace(k) == "Features") {
			for _, f := range strings.Fields(v) {
				if f == param {
					return true, nil
				}
			}
			return false, nil
		}
	}
	return false, nil
}

// capability: whether the manager's bounding set holds the capability (CAP_SYS_ADMIN or SYS_ADMIN).
func capability(param string) (bool, error) {
	name := strings.ToUpper(strings.TrimPrefix(strings.ToUpper(param), "CAP_"))
	caps := []string{"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
		"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK",
		"IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT",
		"SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
		"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON",
		"BPF", "CHECKPOINT_RESTORE"}
	bit := -1
	for i, c := range caps {
		if c == name {
			bit = i
		}
	}
	if bit < 0 {
		return false, nil
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			set, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && set&(1<<bit) != 0, nil
		}
	}
	return false, nil
}

// controlGroupController: every listed controller is available (cgroup v2 root list, else a v1 hierarchy).
func controlGroupController(param string) (bool, error) {
	avail := map[string]bool{}
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		for _, c := range strings.Fields(string(b)) {
			avail[c] = true
		}
	}
	if b, err := os.ReadFile("/proc/cgroups"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 4 && f[3] == "1" && !strings.HasPrefix(f[0], "#") {
				avail[f[0]] = true
			}
		}
	}
	for _, c := range strings.Fields(param) {
		if c == "v1" || c == "v2" {
			_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
			if (c == "v2") != (err == nil) {
				return false, nil
			}
			continue
		}
		if !avail[c] {
			return false, nil
		}
	}
	return true, nil
}

// security: the named security framework is active.
func security(param string) (bool, error) {
	switch param {
	case "selinux":
		_, err := os.Stat("/sys/fs/selinux/enforce")
		return err == nil, nil
	case "apparmor":
		b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
		return err == nil && strings.TrimSpace(string(b)) == "Y", nil
	case "smack":
		_, err := os.Stat("/sys/fs/smackfs")
		return err == nil, nil
	case "ima", "tomoyo", "audit", "uefi-secureboot", "tpm2", "cvm", "measured-uki":
		return securityOther(param), nil
	}
	return false, nil
}

func securityOther(param string) bool {
	switch param {
	case "ima":
		_, err := os.Stat("/sys/kernel/security/ima")
		return err == nil
	case "tomoyo":
		_, err := os.Stat("/sys/kernel/security/tomoyo")
		return err == nil
	case "audit":
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_AUDIT)
		if err == nil {
			unix.Close(fd)
		}
		return err == nil
	case "tpm2":
		_, err := os.Stat("/sys/class/tpm/tpm0")
		return err == nil
	}
	return false
}

// pressure: "[SCOPE/]PERCENT%" limit on the some avg10 figure of /proc/pressure/RESOURCE (system-wide only).
func pressure(resource, param string) (bool, error) {
	b, err := os.ReadFile("/proc/pressure/" + resource)
	if err != nil {
		return true, nil // no PSI: systemd treats the condition as met
	}
	limit := strings.TrimSuffix(param, "%")
	if i := strings.LastIndexByte(limit, '/'); i >= 0 {
		limit = limit[i+1:]
	}
	max, err := strconv.ParseFloat(limit, 64)
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "some") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "avg10="); ok {
				have, _ := strconv.ParseFloat(v, 64)
				return have <= max, nil
			}
		}
	}
	return true, nil
}
