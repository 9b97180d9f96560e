// Command kexec is a stand-in for kexec-tools' kexec in the boot test's guest, whose initramfs has no dynamic
// loader: `kexec --load KERNEL --append OPTIONS [--initrd INITRD]`, what sctl kexec runs, loads the kernel with
// kexec_file_load(2). It runs only inside the VM.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	var kernel, initrd, cmdline string
	args := os.Args[1:]
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--load":
			kernel = args[i+1]
		case "--append":
			cmdline = args[i+1]
		case "--initrd":
			initrd = args[i+1]
		default:
			fail(fmt.Errorf("unknown option %s", args[i]))
		}
	}
	k, err := os.Open(kernel)
	if err != nil {
		fail(err)
	}
	initrdFd, flags := -1, uintptr(unix.KEXEC_FILE_NO_INITRAMFS)
	if initrd != "" {
		f, err := os.Open(initrd)
		if err != nil {
			fail(err)
		}
		initrdFd, flags = int(f.Fd()), 0
	}
	if err := unix.KexecFileLoad(int(k.Fd()), initrdFd, cmdline, int(flags)); err != nil {
		fail(fmt.Errorf("kexec_file_load: %w", err))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kexec:", err)
	os.Exit(1)
}
