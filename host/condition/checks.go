package condition

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"golang.org/x/sys/unix"
)

// Default checks the real system.
var Default = Env{Check: check}

// ErrUnsupported marks checks this host cannot evaluate yet.
var ErrUnsupported = errors.New("cannot be evaluated by this host yet")

func check(kind, param string) (bool, error) {
	switch kind {
	case "PathExists":
		_, err := os.Stat(param)
		return err == nil, nil
	case "PathExistsGlob":
		m, err := filepath.Glob(param)
		return err == nil && len(m) > 0, nil
	case "PathIsDirectory":
		st, err := os.Stat(param)
		return err == nil && st.IsDir(), nil
	case "PathIsSymbolicLink":
		st, err := os.Lstat(param)
		return err == nil && st.Mode()&os.ModeSymlink != 0, nil
	case "PathIsMountPoint":
		return isMountPoint(param), nil
	case "PathIsReadWrite":
		var st unix.Statfs_t
		return unix.Statfs(param, &st) == nil && st.Flags&unix.ST_RDONLY == 0, nil
	case "DirectoryNotEmpty":
		ents, err := os.ReadDir(param)
		return err == nil && len(ents) > 0, nil
	case "FileNotEmpty":
		st, err := os.Stat(param)
		return err == nil && st.Mode().IsRegular() && st.Size() > 0, nil
	case "FileIsExecutable":
		st, err := os.Stat(param)
		return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0, nil
	case "KernelCommandLine":
		return kernelCommandLine(param), nil
	case "Host":
		return host(param), nil
	case "User":
		return userMatches(param)
	case "Group":
		return groupMatches(param)
	case "Environment":
		return environment(param), nil
	case "Architecture":
		return architecture(param), nil
	case "FirstBoot":
		want, err := unitfile.ParseBool(param)
		if err != nil {
			return false, fmt.Errorf("ConditionFirstBoot=%s: not a boolean", param)
		}
		return FirstBoot() == want, nil
	case "KernelVersion":
		return kernelVersion(param)
	case "CPUs":
		return cpus(param)
	case "Memory":
		return memory(param)
	case "OSRelease":
		return osRelease(param)
	case "CPUFeature":
		return cpuFeature(param)
	case "Capability":
		return capability(param)
	case "ControlGroupController":
		return controlGroupController(param)
	case "Security":
		return security(param)
	case "MemoryPressure":
		return pressure("memory", param)
	case "CPUPressure":
		return pressure("cpu", param)
	case "IOPressure":
		return pressure("io", param)
	case "Virtualization":
		return virtualization(param)
	case "NeedsUpdate":
		return needsUpdate(param)
	case "Credential":
		return credential(param)
	case "PathIsEncrypted":
		return pathIsEncrypted(param)
	case "ACPower":
		want, err := unitfile.ParseBool(param)
		if err != nil {
			return false, fmt.Errorf("ConditionACPower=%s: not a boolean", param)
		}
		return onACPower() == want, nil
	}
	return false, fmt.Errorf("Condition%s=%s %w", kind, param, ErrUnsupported)
}

func isMountPoint(path string) bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	clean := filepath.Clean(path)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 && fields[4] == clean {
			return true
		}
	}
	return false
}

// kernelCommandLine: "word" matches a word or a word's key before '=', "key=value" matches exactly.
func kernelCommandLine(param string) bool {
	b, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return false
	}
	for _, w := range strings.Fields(string(b)) {
		if w == param || !strings.Contains(param, "=") && strings.HasPrefix(w, param+"=") {
			return true
		}
	}
	return false
}

func host(param string) bool {
	if h, err := os.Hostname(); err == nil && strings.EqualFold(h, param) {
		return true
	}
	b, err := os.ReadFile("/etc/machine-id")
	return err == nil && strings.TrimSpace(string(b)) == param
}

// userMatches: the manager runs as root; "@system" is true for it.
func userMatches(param string) (bool, error) {
	uid := os.Getuid()
	if param == "@system" {
		return uid < 1000, nil
	}
	if n, err := strconv.Atoi(param); err == nil {
		return n == uid, nil
	}
	u, err := user.Lookup(param)
	if err != nil {
		return false, nil
	}
	return u.Uid == strconv.Itoa(uid), nil
}

func groupMatches(param string) (bool, error) {
	gids, _ := os.Getgroups()
	gids = append(gids, os.Getgid())
	want := -1
	if n, err := strconv.Atoi(param); err == nil {
		want = n
	} else if g, err := user.LookupGroup(param); err == nil {
		want, _ = strconv.Atoi(g.Gid)
	}
	for _, g := range gids {
		if g == want {
			return true, nil
		}
	}
	return false, nil
}

// environment: "NAME" is set in the manager's environment, or "NAME=VALUE" is an exact entry.
func environment(param string) bool {
	for _, kv := range os.Environ() {
		if kv == param || !strings.Contains(param, "=") && strings.HasPrefix(kv, param+"=") {
			return true
		}
	}
	return false
}

// architecture uses systemd's names for the ones Go knows.
func architecture(param string) bool {
	names := map[string]string{"amd64": "x86-64", "386": "x86", "arm64": "arm64", "arm": "arm", "riscv64": "riscv64",
		"ppc64le": "ppc64-le", "s390x": "s390x", "loong64": "loongarch64", "mips64le": "mips64-le"}
	return names[runtime.GOARCH] == param || param == "native"
}

// onACPower: true unless every power supply found is a battery-less mains supply that is offline; a machine
// with no power supply information counts as on AC power, as systemd does.
func onACPower() bool {
	ents, err := os.ReadDir("/sys/class/power_supply")
	if err != nil {
		return true
	}
	sawMains := false
	for _, e := range ents {
		dir := filepath.Join("/sys/class/power_supply", e.Name())
		typ, _ := os.ReadFile(filepath.Join(dir, "type"))
		if strings.TrimSpace(string(typ)) != "Mains" {
			continue
		}
		sawMains = true
		online, _ := os.ReadFile(filepath.Join(dir, "online"))
		if strings.TrimSpace(string(online)) == "1" {
			return true
		}
	}
	return !sawMains
}

// FirstBoot tells whether this is the machine's first boot: init marked it (pid1.FirstBootMarker: it found no
// machine ID, then made one), or, where no init of ours set the machine up (a container), /etc/machine-id is
// missing or empty.
func FirstBoot() bool {
	if _, err := os.Stat(firstBootMarker); err == nil {
		return true
	}
	st, err := os.Stat("/etc/machine-id")
	return err != nil || st.Size() == 0
}

// firstBootMarker is pid1.FirstBootMarker (host/pid1 is init's package; the core does not link it).
const firstBootMarker = "/run/sysmaster/first-boot"
