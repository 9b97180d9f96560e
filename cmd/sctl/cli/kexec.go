package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/bootspec"
)

// sctl kexec loads the kernel of the default boot loader entry itself when none is loaded, as systemctl 252's
// load_kexec_kernel: the Boot Loader Specification's Type #1 entries of the ESP and XBOOTLDR partition
// (pkg/bootspec), the default chosen as bootctl chooses it, then `kexec --load KERNEL --append OPTIONS [--initrd
// INITRD]`. The core then starts kexec.target and init executes the loaded kernel. --dry-run prints what would
// run and runs nothing; --force goes on without a kernel when the load fails (the core still refuses then).

// kexecBinary is kexec-tools' kexec where Debian's systemctl runs it (its KEXEC; /sbin is /usr/sbin on a
// merged-/usr system).
var kexecBinary = "/sbin/kexec"

// kexecLoadedFile says whether the kernel holds a kernel loaded for kexec.
var kexecLoadedFile = "/sys/kernel/kexec_loaded"

func kexecVerb(e *env, args []string) int {
	if err := loadKexecKernel(e); err != nil {
		if e.o.force == 0 {
			e.errorf("%v", err)
			return exitFailure
		}
		e.errorf("%v", err)
		e.errorf("Failed to load kexec kernel, continuing without.")
	}
	return shutdown("kexec")(e, args)
}

// loadKexecKernel is systemctl's load_kexec_kernel, its messages included.
func loadKexecKernel(e *env) error {
	if b, _ := os.ReadFile(kexecLoadedFile); strings.TrimSpace(string(b)) == "1" {
		return nil
	}
	kexec := kexecBinary
	if err := unix.Access(kexec, unix.X_OK); err != nil {
		return fmt.Errorf("%s is not available: %s", kexec, strerror(err))
	}
	esp, xbootldr, err := bootspec.Find()
	if errors.Is(err, bootspec.ErrNoESP) {
		why := "Automatic loading works only on systems booted with EFI."
		if bootspec.EFIBoot() {
			why = "Cannot automatically load kernel: ESP mount point not found."
		}
		return errors.New("No kexec kernel loaded and autodetection failed.\n" + why)
	}
	if err != nil {
		return err
	}
	cfg, err := bootspec.Load(esp, xbootldr)
	if err != nil {
		return err
	}
	for _, p := range cfg.Problems {
		if e.o.dryRun || !e.o.quiet {
			e.errorf("%v", p)
		}
	}
	entry := cfg.Default(bootspec.EFIEntryPointers())
	switch {
	case entry == nil:
		return errors.New("No boot loader entry suitable as default, refusing to guess.")
	case entry.Linux == "":
		return errors.New("Boot entry does not refer to Linux kernel, which is not supported currently.")
	case len(entry.Initrd) > 1:
		return errors.New("Boot entry specifies multiple initrds, which is not supported currently.")
	}
	argv := []string{kexec, "--load", entry.KernelPath(), "--append", entry.CommandLine()}
	shown := fmt.Sprintf("%s --load \"%s\" --append \"%s\"", kexec, argv[2], argv[4])
	if initrd := entry.InitrdPaths(); len(initrd) == 1 {
		argv = append(argv, "--initrd", initrd[0])
		shown += fmt.Sprintf(" --initrd \"%s\"", initrd[0])
	}
	if e.o.dryRun {
		e.errorf("Would run %s", shown)
		return nil
	}
	if !e.o.quiet {
		e.errorf("Running %s", shown)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %v", kexec, err)
	}
	return nil
}

// strerror is the errno's text as systemd's %m prints it ("No such file or directory").
func strerror(err error) string {
	s := err.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}
