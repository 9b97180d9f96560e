//go:build !amd64 && !arm64

package seccomp

// On other architectures there are no numbers: Assemble refuses every filter.
const (
	nativeArch = 0
	x32Bit     = 0
)

func numbers() map[string]uint32 { return nil }
