package seccomp

// nativeArch is AUDIT_ARCH_X86_64; x32 calls share it and are told apart by bit 30 of the number.
const (
	nativeArch = 0xc000003e
	x32Bit     = 0x40000000
)
