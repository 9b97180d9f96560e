package boot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// The Debian guest: a bookworm root file system built by mmdebstrap from the Debian repositories this host's apt
// already uses, with the packages a small server runs. It is built once and kept as a tarball in the boot cache,
// named after a hash of everything that goes into it: a change of the package list, the customisation or the
// apt sources builds a new one.

const debianSuite = "bookworm"

// debianPackages are installed on top of mmdebstrap's minbase variant (the Essential set and apt).
var debianPackages = []string{
	"systemd", "systemd-sysv", "udev", "kmod", "dbus", "openssh-server", "cron", "rsyslog", "util-linux",
	"procps", "ifupdown", "iproute2", "e2fsprogs",
}

// debianHostname is the guest's /etc/hostname: the boot test checks that it is applied.
const debianHostname = "smguest"

// debianCustomize are mmdebstrap customize hooks ($1 is the root): no man pages or locales, a root without
// password (the serial-console login), the network of qemu's user mode (10.0.2.15/24, brought up by Debian's
// ifupdown networking.service; the kernel is told net.ifnames=0, so the interface is eth0), a root file system
// on the virtio disk.
var debianCustomize = []string{
	`echo ` + debianHostname + ` >"$1/etc/hostname"`,
	`printf '127.0.0.1\tlocalhost\n127.0.1.1\t` + debianHostname + `\n' >"$1/etc/hosts"`,
	`printf '/dev/vda\t/\text4\trw,relatime\t0\t1\n' >"$1/etc/fstab"`,
	`printf 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n  address 10.0.2.15/24\n  gateway 10.0.2.2\n' >"$1/etc/network/interfaces"`,
	`chroot "$1" passwd -d root`,
}

// bootCache is where .ci/boot-deps.sh put the kernel and where built guests are kept.
func bootCache() string {
	if c := os.Getenv("SYSMASTER_BOOT_CACHE"); c != "" {
		return c
	}
	return "/var/cache/sysmaster-boot"
}

// debianSources are the host's apt repositories for the guest's suite, as sources.list lines. No host name is
// written anywhere: they are read from apt's configuration at run time.
func debianSources() (string, error) {
	out, err := exec.Command("apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE) $(COMPONENT) $(LABEL)",
		"Created-By: Packages").Output()
	if err != nil {
		return "", fmt.Errorf("apt-get indextargets: %w", err)
	}
	comps := map[string][]string{}
	var order []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) != 4 || (f[3] != "Debian" && f[3] != "Debian-Security") {
			continue
		}
		if f[1] != debianSuite && f[1] != debianSuite+"-updates" && f[1] != debianSuite+"-security" {
			continue
		}
		key := f[0] + " " + f[1]
		if _, ok := comps[key]; !ok {
			order = append(order, key)
		}
		if !slices.Contains(comps[key], f[2]) {
			comps[key] = append(comps[key], f[2])
		}
	}
	if len(order) == 0 {
		return "", fmt.Errorf("apt on this host knows no Debian %s repository", debianSuite)
	}
	sort.Strings(order)
	var b strings.Builder
	for _, k := range order {
		fmt.Fprintf(&b, "deb %s %s\n", k, strings.Join(comps[k], " "))
	}
	return b.String(), nil
}

// debianTree unpacks the cached guest root file system into dir, building it first when the cache has none for
// today's inputs.
func debianTree(dir string) error {
	sources, err := debianSources()
	if err != nil {
		return err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n", debianSuite, strings.Join(debianPackages, ","), strings.Join(debianCustomize, "\n"), sources)
	stamp := hex.EncodeToString(h.Sum(nil))[:16]
	cache := bootCache()
	tarball := filepath.Join(cache, "debian-"+debianSuite+"-"+stamp+".tar")
	if _, err := os.Stat(tarball); err != nil {
		if err := buildDebianTarball(cache, tarball, sources); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("tar", "-C", dir, "--numeric-owner", "-xpf", tarball).CombinedOutput(); err != nil {
		return fmt.Errorf("unpack %s: %v\n%s", tarball, err, out)
	}
	return nil
}

// buildDebianTarball runs mmdebstrap (its downloads kept in the cache for the next build) and writes the tree
// as a tarball; older tarballs are removed.
func buildDebianTarball(cache, tarball, sources string) error {
	debs := filepath.Join(cache, "apt-archives", debianSuite)
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cache, "debian-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	list := filepath.Join(tmp, "sources.list")
	if err := os.WriteFile(list, []byte(sources), 0o644); err != nil {
		return err
	}
	args := []string{"--variant=minbase", "--include=" + strings.Join(debianPackages, ","),
		"--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/doc/*",
		"--dpkgopt=path-include=/usr/share/doc/*/copyright", "--dpkgopt=path-exclude=/usr/share/info/*",
		"--dpkgopt=path-exclude=/usr/share/locale/*",
		`--setup-hook=mkdir -p "$1/var/cache/apt/archives/"`,
		"--setup-hook=sync-in " + debs + " /var/cache/apt/archives/",
		"--customize-hook=sync-out /var/cache/apt/archives " + debs}
	for _, c := range debianCustomize {
		args = append(args, "--customize-hook="+c)
	}
	root := filepath.Join(tmp, "root")
	args = append(args, debianSuite, root, list)
	cmd := exec.Command("mmdebstrap", args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		l := log.String()
		if len(l) > 4000 {
			l = l[len(l)-4000:]
		}
		return fmt.Errorf("mmdebstrap (run .ci/boot-deps.sh first): %v\n%s", err, l)
	}
	old, _ := filepath.Glob(filepath.Join(cache, "debian-"+debianSuite+"-*.tar"))
	for _, o := range old {
		os.Remove(o)
	}
	if out, err := exec.Command("tar", "-C", root, "--numeric-owner", "-cf", tarball+".tmp", ".").CombinedOutput(); err != nil {
		return fmt.Errorf("pack the guest tree: %v\n%s", err, out)
	}
	return os.Rename(tarball+".tmp", tarball)
}
