package rules

import (
	"os"
	"runtime"
	"strings"
)

// architecture is CONST{arch}: systemd's name for the machine's architecture.
func architecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86-64"
	case "386":
		return "x86"
	case "arm64":
		return "arm64"
	case "arm":
		return "arm"
	case "ppc64le":
		return "ppc64-le"
	case "ppc64":
		return "ppc64"
	case "s390x":
		return "s390x"
	case "riscv64":
		return "riscv64"
	case "loong64":
		return "loongarch64"
	case "mips64le":
		return "mips64-le"
	}
	return runtime.GOARCH
}

// virtualization is CONST{virt}: a container's name from /run/systemd/container, else a hypervisor recognised
// from the DMI vendor strings, "vm-other" for another hypervisor, or "none".
func virtualization() string {
	if b, err := os.ReadFile("/run/systemd/container"); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			return s
		}
	}
	vendors := []struct{ match, name string }{
		{"KVM", "kvm"}, {"Amazon EC2", "amazon"}, {"QEMU", "qemu"}, {"VMware", "vmware"}, {"VMW", "vmware"},
		{"innotek GmbH", "oracle"}, {"VirtualBox", "oracle"}, {"Xen", "xen"}, {"Bochs", "bochs"},
		{"Parallels", "parallels"}, {"BHYVE", "bhyve"}, {"Hyper-V", "microsoft"}, {"Apple Virtualization", "apple"},
	}
	for _, f := range []string{"product_name", "sys_vendor", "board_vendor", "bios_vendor", "product_version"} {
		b, err := os.ReadFile("/sys/class/dmi/id/" + f)
		if err != nil {
			continue
		}
		for _, v := range vendors {
			if strings.HasPrefix(string(b), v.match) {
				return v.name
			}
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil && strings.Contains(string(b), " hypervisor") {
		return "vm-other"
	}
	return "none"
}
