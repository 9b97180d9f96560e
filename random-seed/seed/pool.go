package seed

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Pool is the kernel's random pool: Mix stirs bytes in without counting them as entropy (a write to
// /dev/urandom), Credit counts them too (the RNDADDENTROPY ioctl, root only).
type Pool interface {
	Mix(b []byte) error
	Credit(b []byte) error
}

// KernelPool is /dev/urandom, opened for writing.
type KernelPool struct{ f *os.File }

// OpenKernelPool opens path (normally /dev/urandom).
func OpenKernelPool(path string) (*KernelPool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	return &KernelPool{f: f}, nil
}

// Close closes the device.
func (p *KernelPool) Close() error { return p.f.Close() }

// Mix writes b into the pool, uncredited.
func (p *KernelPool) Mix(b []byte) error {
	_, err := p.f.Write(b)
	return err
}

// rndAddEntropy is RNDADDENTROPY, _IOW('R', 0x03, int[2]) (linux/random.h).
const rndAddEntropy = 0x40085203

// Credit adds b to the pool and credits len(b)*8 bits of entropy.
func (p *KernelPool) Credit(b []byte) error {
	// struct rand_pool_info { int entropy_count; int buf_size; __u32 buf[]; }
	info := make([]byte, 8+len(b)+3)
	*(*int32)(unsafe.Pointer(&info[0])) = int32(len(b) * 8)
	*(*int32)(unsafe.Pointer(&info[4])) = int32(len(b))
	copy(info[8:], b)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, p.f.Fd(), rndAddEntropy, uintptr(unsafe.Pointer(&info[0])))
	if errno != 0 {
		return errno
	}
	return nil
}
