// Package boot proves sysmaster on a real kernel: it builds an initramfs root filesystem (busybox-static plus
// the tree `make install` writes), boots a Debian kernel under qemu with TCG and init=/usr/lib/sysmaster/init,
// and reads the serial console.
//
// The root filesystem is the initramfs itself, so the boot needs no block driver or module; the kernel is told
// rdinit=/usr/lib/sysmaster/init because an initramfs root starts rdinit (init= names the init of a root
// mounted from a disk). A small .run unit (the SDK's example plugin) drives the guest: it waits for
// default.target, prints what sctl says, and runs `sctl poweroff`. TestBootKexec runs `sctl kexec` instead: the
// guest's /boot holds a Boot Loader Specification entry, the kernel and a second initramfs, and the kexec'd
// kernel must boot with the entry's command line. .ci/boot-deps.sh installs qemu and busybox-static and fetches
// the kernel.
package boot
