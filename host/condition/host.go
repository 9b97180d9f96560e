package condition

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"golang.org/x/sys/unix"
)

// virtualization: "yes"/"no", "vm", "container", or a technology name as systemd-detect-virt prints it (the
// ones told apart here: the common hypervisors by DMI vendor, containers only as "container").
func virtualization(param string) (bool, error) {
	container := inContainer()
	vm := ""
	if !container {
		vm = detectVM()
	}
	if b, err := unitfile.ParseBool(param); err == nil {
		return b == (container || vm != ""), nil
	}
	switch param {
	case "container":
		return container, nil
	case "vm":
		return vm != "", nil
	}
	return vm == param, nil
}

// inContainer: only the initial PID namespace has kernel threads, and kthreadd is its pid 2.
func inContainer() bool {
	if self, _ := os.Readlink("/proc/self"); self == "" {
		return false
	}
	b, err := os.ReadFile("/proc/2/stat")
	return err != nil || !strings.Contains(string(b), "(kthreadd)")
}

func detectVM() string {
	vendor, _ := os.ReadFile("/sys/class/dmi/id/sys_vendor")
	product, _ := os.ReadFile("/sys/class/dmi/id/product_name")
	v := strings.ToLower(string(vendor) + " " + string(product))
	for _, k := range []struct{ match, name string }{{"qemu", "qemu"}, {"kvm", "kvm"}, {"vmware", "vmware"},
		{"microsoft", "microsoft"}, {"virtualbox", "oracle"}, {"innotek", "oracle"}, {"xen", "xen"},
		{"amazon ec2", "amazon"}, {"bochs", "bochs"}, {"parallels", "parallels"}, {"firecracker", "kvm"}} {
		if strings.Contains(v, k.match) {
			return k.name
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil && strings.Contains(string(b), " hypervisor") {
		return "vm-other"
	}
	return ""
}

// needsUpdate: /usr changed after DIR/.updated was written (or that stamp is missing), as systemd-update-done
// records it.
func needsUpdate(dir string) (bool, error) {
	usr, err := os.Stat("/usr")
	if err != nil {
		return false, err
	}
	stamp, err := os.Stat(filepath.Join(dir, ".updated"))
	if err != nil {
		return true, nil
	}
	return usr.ModTime().After(stamp.ModTime()), nil
}

// credential: a system credential of that name was passed to the manager.
func credential(name string) (bool, error) {
	if strings.ContainsRune(name, '/') {
		return false, fmt.Errorf("ConditionCredential=%s: not a credential name", name)
	}
	for _, dir := range []string{os.Getenv("CREDENTIALS_DIRECTORY"), "/run/credentials/@system"} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true, nil
		}
	}
	return false, nil
}

// pathIsEncrypted: the file system holding path sits on a dm-crypt device, directly or through the devices
// below a device-mapper stack.
func pathIsEncrypted(path string) (bool, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false, nil
	}
	return encryptedDev(fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev)), 0), nil
}

func encryptedDev(sys string, depth int) bool {
	if depth > 8 {
		return false
	}
	if uuid, err := os.ReadFile(filepath.Join(sys, "dm", "uuid")); err == nil && strings.HasPrefix(string(uuid), "CRYPT-") {
		return true
	}
	slaves, _ := os.ReadDir(filepath.Join(sys, "slaves"))
	for _, s := range slaves {
		if encryptedDev(filepath.Join(sys, "slaves", s.Name()), depth+1) {
			return true
		}
	}
	return false
}
