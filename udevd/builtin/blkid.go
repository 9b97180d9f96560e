package builtin

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/device"
)

func init() {
	register(&Builtin{Name: "blkid", Help: "Filesystem and partition probing", Run: blkid})
}

// Superblock is what probing a block device found: ID_FS_TYPE, ID_FS_UUID, ID_FS_LABEL, ID_FS_USAGE,
// ID_FS_VERSION (empty when not applicable).
type Superblock struct {
	Type, UUID, Label, Usage, Version string
}

// errNoSuperblock says no known superblock was found.
var errNoSuperblock = errors.New("blkid: no known superblock")

// blkid sets the ID_FS_* properties of the filesystem or volume on the device's node, as systemd's blkid builtin
// does through libblkid, for ext2/3/4, xfs, btrfs, vfat, swap, iso9660 and LUKS. Partition tables are not probed.
func blkid(_ context.Context, dev *device.Device, _ []string, _ bool) error {
	if dev.Devname == "" {
		return errors.New("blkid: device has no node")
	}
	f, err := os.Open(dev.Devname)
	if err != nil {
		return err
	}
	defer f.Close()
	sb, err := Probe(f)
	if err != nil {
		if errors.Is(err, errNoSuperblock) {
			return nil
		}
		return err
	}
	set := func(k, v string) {
		if v != "" {
			dev.SetProperty(k, v)
		}
	}
	set("ID_FS_TYPE", sb.Type)
	set("ID_FS_USAGE", sb.Usage)
	set("ID_FS_VERSION", sb.Version)
	set("ID_FS_UUID", sb.UUID)
	set("ID_FS_UUID_ENC", EncodeString(sb.UUID))
	set("ID_FS_LABEL", strings.ReplaceAll(sb.Label, "/", "_"))
	set("ID_FS_LABEL_ENC", EncodeString(sb.Label))
	return nil
}

// Probe reads the superblock at the start of r.
func Probe(r io.ReaderAt) (Superblock, error) {
	buf := make([]byte, 0x10200)
	n, err := r.ReadAt(buf, 0)
	if n < 4096 {
		if err == nil || err == io.EOF {
			return Superblock{}, errNoSuperblock
		}
		return Superblock{}, err
	}
	buf = buf[:n]
	for _, p := range []func([]byte) (Superblock, bool){probeLUKS, probeXFS, probeExt, probeBtrfs, probeISO9660,
		probeSwap, probeVFAT} {
		if sb, ok := p(buf); ok {
			return sb, nil
		}
	}
	return Superblock{}, errNoSuperblock
}

func probeExt(b []byte) (Superblock, bool) {
	const off = 1024
	if len(b) < off+0x100 || binary.LittleEndian.Uint16(b[off+0x38:]) != 0xef53 {
		return Superblock{}, false
	}
	compat := binary.LittleEndian.Uint32(b[off+0x5c:])
	incompat := binary.LittleEndian.Uint32(b[off+0x60:])
	roCompat := binary.LittleEndian.Uint32(b[off+0x64:])
	sb := Superblock{UUID: uuid(b[off+0x68 : off+0x78]), Label: cstr(b[off+0x78 : off+0x88]), Usage: "filesystem",
		Version: "1.0"}
	switch {
	case incompat&(0x40|0x80|0x200) != 0 || roCompat&(0x8|0x10|0x20|0x40|0x400) != 0:
		sb.Type = "ext4"
	case compat&0x4 != 0:
		sb.Type = "ext3"
	default:
		sb.Type = "ext2"
	}
	return sb, true
}

func probeXFS(b []byte) (Superblock, bool) {
	if string(b[:4]) != "XFSB" {
		return Superblock{}, false
	}
	return Superblock{Type: "xfs", UUID: uuid(b[32:48]), Label: cstr(b[108:120]), Usage: "filesystem"}, true
}

func probeBtrfs(b []byte) (Superblock, bool) {
	const off = 0x10000
	if len(b) < off+0x200 || string(b[off+0x40:off+0x48]) != "_BHRfS_M" {
		return Superblock{}, false
	}
	return Superblock{Type: "btrfs", UUID: uuid(b[off+0x20 : off+0x30]), Label: cstr(b[off+0x12b : off+0x200]),
		Usage: "filesystem"}, true
}

func probeSwap(b []byte) (Superblock, bool) {
	for _, page := range []int{4096, 8192, 16384, 65536} {
		if len(b) < page {
			break
		}
		if m := string(b[page-10 : page]); m == "SWAPSPACE2" || m == "SWAP-SPACE" {
			sb := Superblock{Type: "swap", Usage: "other", Version: "1"}
			if m == "SWAPSPACE2" {
				sb.UUID, sb.Label = uuid(b[0x40c:0x41c]), cstr(b[0x41c:0x42c])
			} else {
				sb.Version = "0"
			}
			return sb, true
		}
	}
	return Superblock{}, false
}

func probeVFAT(b []byte) (Superblock, bool) {
	if b[510] != 0x55 || b[511] != 0xaa || (b[0] != 0xeb && b[0] != 0xe9) {
		return Superblock{}, false
	}
	var id, label []byte
	version := ""
	switch {
	case string(b[0x52:0x57]) == "FAT32":
		id, label, version = b[0x43:0x47], b[0x47:0x52], "FAT32"
	case string(b[0x36:0x39]) == "FAT":
		id, label, version = b[0x27:0x2b], b[0x2b:0x36], strings.TrimSpace(string(b[0x36:0x3e]))
	default:
		return Superblock{}, false
	}
	v := binary.LittleEndian.Uint32(id)
	l := strings.TrimRight(string(label), " ")
	if l == "NO NAME" {
		l = ""
	}
	return Superblock{Type: "vfat", UUID: fmt.Sprintf("%04X-%04X", v>>16, v&0xffff), Label: l, Usage: "filesystem",
		Version: version}, true
}

func probeISO9660(b []byte) (Superblock, bool) {
	const off = 0x8000
	if len(b) < off+0x400 || string(b[off+1:off+6]) != "CD001" {
		return Superblock{}, false
	}
	d := b[off+0x32d : off+0x33d] // creation date "YYYYMMDDHHMMSScc"
	sb := Superblock{Type: "iso9660", Label: strings.TrimRight(string(b[off+0x28:off+0x48]), " "), Usage: "filesystem"}
	if d[0] >= '0' && d[0] <= '9' {
		sb.UUID = fmt.Sprintf("%s-%s-%s-%s-%s-%s-%s", d[0:4], d[4:6], d[6:8], d[8:10], d[10:12], d[12:14], d[14:16])
	}
	return sb, true
}

func probeLUKS(b []byte) (Superblock, bool) {
	if string(b[:6]) != "LUKS\xba\xbe" {
		return Superblock{}, false
	}
	v := binary.BigEndian.Uint16(b[6:])
	sb := Superblock{Type: "crypto_LUKS", UUID: cstr(b[168:208]), Usage: "crypto", Version: fmt.Sprint(v)}
	if v == 2 {
		sb.Label = cstr(b[24:72])
	}
	return sb, true
}

func uuid(b []byte) string {
	if bytes.Count(b, []byte{0}) == len(b) {
		return ""
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
