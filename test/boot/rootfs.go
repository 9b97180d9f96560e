package boot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// repoRoot is the source tree this package belongs to.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// installMu serializes `make install`: the parallel boot tests would otherwise build into the same bin/ at once.
var installMu sync.Mutex

// makeInstall installs this tree into dir (PREFIX=/usr).
func makeInstall(dir string) error {
	installMu.Lock()
	defer installMu.Unlock()
	out, err := exec.Command("make", "-s", "-C", repoRoot(), "install", "DESTDIR="+dir, "PREFIX=/usr").CombinedOutput()
	if err != nil {
		return fmt.Errorf("make install: %v\n%s", err, out)
	}
	return nil
}

var busyboxApplets = []string{"sh", "ls", "cat", "echo", "mount", "umount", "sleep", "mkdir", "ps", "poweroff", "dmesg", "grep", "stat", "touch"}

// buildRootfs lays out a minimal system under dir: busybox-static, the installed sysmaster, the example run
// plugin and the guest driver unit with its script.
func buildRootfs(dir, guestScript string) error {
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "run", "tmp", "var/lib", "usr/lib/sysmaster-test",
		"etc/sysmaster/system/multi-user.target.wants"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox-static is missing (run .ci/boot-deps.sh): %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), bb, 0o755); err != nil {
		return err
	}
	for _, a := range busyboxApplets {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd":                         "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
		"etc/group":                          "root:x:0:\nnogroup:x:65534:\n",
		"usr/lib/sysmaster-test/guest.sh":    guestScript,
		"etc/sysmaster/system/boot-test.run": "[Unit]\nDescription=Boot test driver\n\n[Run]\nCommand=/bin/sh /usr/lib/sysmaster-test/guest.sh\n",
		"etc/sysmaster/system/boot-svc.service": "[Unit]\nDescription=Boot test service\n\n[Service]\nMemoryMax=64M\nTasksMax=16\n" +
			"ExecStart=/bin/sh -c 'echo svc up; exec sleep 1000'\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, u := range []string{"boot-test.run", "boot-svc.service"} {
		if err := os.Symlink("../"+u, filepath.Join(dir, "etc/sysmaster/system/multi-user.target.wants", u)); err != nil {
			return err
		}
	}
	if err := makeInstall(dir); err != nil {
		return err
	}
	run := exec.Command("go", "build", "-o", filepath.Join(dir, "usr/lib/sysmaster/plugins/run"), "./sdk/examples/run")
	run.Dir = repoRoot()
	run.Env = append(os.Environ(), "CGO_ENABLED=0") // the initramfs has no dynamic loader
	if out, err := run.CombinedOutput(); err != nil {
		return fmt.Errorf("build the run plugin: %v\n%s", err, out)
	}
	return nil
}
