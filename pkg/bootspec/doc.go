// Package bootspec reads the boot loader entries of the Boot Loader Specification (uapi-group.org's "Type #1"
// entries, loader/entries/*.conf on the ESP and the XBOOTLDR partition) and loader/loader.conf, orders them and
// picks the default entry as systemd 252's bootspec.c does for bootctl and for systemctl kexec
// (load_kexec_kernel): the entry named by the EFI variable LoaderEntryOneShot, else LoaderEntryDefault, else
// loader.conf's default pattern, else the first entry in systemd's order.
//
// Only Type #1 entries are read; unified kernel images (Type #2, EFI/Linux/*.efi) are not.
//
//	cfg, err := bootspec.Load(esp, xbootldr)
//	e := cfg.Default(bootspec.EFIEntryPointers())
//	kernel, initrd := e.KernelPath(), e.InitrdPaths()
package bootspec
