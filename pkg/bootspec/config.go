package bootspec

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"

	"golang.org/x/sys/unix"
)

// Config is the entries found, in systemd's order, and loader.conf.
type Config struct {
	Loader   LoaderConf
	Entries  []*Entry
	Problems []Problem // lines ignored and files skipped, for the caller to log
}

// Load reads loader/loader.conf and loader/entries/*.conf of the ESP at esp and of the XBOOTLDR partition at
// xbootldr (either may be ""), as systemd's boot_config_load: the same file seen twice (a bind mount, a symlink)
// counts once, an entry that cannot be read or parsed is skipped (a Problem), and the entries are sorted
// (Compare).
func Load(esp, xbootldr string) (*Config, error) {
	c := &Config{}
	seen := map[[2]uint64]bool{}
	if esp != "" {
		p := filepath.Join(esp, "loader/loader.conf")
		if data, err := os.ReadFile(p); err == nil {
			var problems []Problem
			c.Loader, problems = ParseLoaderConf(p, data)
			c.Problems = append(c.Problems, problems...)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	for _, root := range []string{esp, xbootldr} {
		if root == "" {
			continue
		}
		if err := c.readEntries(root, filepath.Join(root, "loader/entries"), seen); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(c.Entries, Compare)
	return c, nil
}

func (c *Config) readEntries(root, dir string, seen map[[2]uint64]bool) error {
	des, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, de := range des {
		if !strings.HasSuffix(strings.ToLower(de.Name()), ".conf") {
			continue
		}
		p := filepath.Join(dir, de.Name())
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		key := [2]uint64{uint64(st.Dev), st.Ino}
		if seen[key] {
			continue
		}
		seen[key] = true
		data, err := os.ReadFile(p)
		if err != nil {
			c.Problems = append(c.Problems, Problem{p, 0, "Failed to read, ignoring: " + err.Error()})
			continue
		}
		e, problems, err := ParseEntry(root, dir, de.Name(), data)
		c.Problems = append(c.Problems, problems...)
		if err != nil {
			c.Problems = append(c.Problems, Problem{p, 0, err.Error()})
			continue
		}
		c.Entries = append(c.Entries, e)
	}
	return nil
}

// Compare is systemd 252's boot_entry_compare: entries with a sort-key first, ordered by sort-key, machine-id
// and then version (newest first); then by id, the newest version first.
func Compare(a, b *Entry) int {
	if r := cmpBool(a.SortKey == "", b.SortKey == ""); r != 0 {
		return r
	}
	if a.SortKey != "" && b.SortKey != "" {
		if r := strings.Compare(a.SortKey, b.SortKey); r != 0 {
			return r
		}
		if r := strings.Compare(a.MachineID, b.MachineID); r != 0 {
			return r
		}
		if r := -CompareVersions(a.Version, b.Version); r != 0 {
			return r
		}
	}
	return -CompareVersions(a.ID, b.ID)
}

// Default is systemd 252's boot_entries_select_default: the first entry whose id matches (a glob, case
// insensitive) the one-shot pointer, else the default pointer (the EFI variables LoaderEntryOneShot and
// LoaderEntryDefault), else loader.conf's default, else the first entry; nil when there is none.
func (c *Config) Default(oneShot, dflt string) *Entry {
	if len(c.Entries) == 0 {
		return nil
	}
	for _, pattern := range []string{oneShot, dflt, c.Loader.Default} {
		if e := c.find(pattern); e != nil {
			return e
		}
	}
	return c.Entries[0]
}

func (c *Config) find(pattern string) *Entry {
	if pattern == "" {
		return nil
	}
	for _, e := range c.Entries {
		if ok, _ := filepath.Match(strings.ToLower(pattern), strings.ToLower(e.ID)); ok {
			return e
		}
	}
	return nil
}

// loaderGUID is the vendor GUID of systemd-boot's EFI variables.
const loaderGUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

// EFIVarsDir is where the kernel shows EFI variables.
var EFIVarsDir = "/sys/firmware/efi/efivars"

// EFIEntryPointers reads the EFI variables LoaderEntryOneShot and LoaderEntryDefault ("" when unset or on a
// system not booted with EFI).
func EFIEntryPointers() (oneShot, dflt string) {
	return efiString("LoaderEntryOneShot"), efiString("LoaderEntryDefault")
}

// efiString reads a string EFI variable of systemd-boot: 4 bytes of attributes, then UTF-16LE, maybe
// NUL-terminated.
func efiString(name string) string {
	b, err := os.ReadFile(filepath.Join(EFIVarsDir, name+"-"+loaderGUID))
	if err != nil || len(b) < 4 {
		return ""
	}
	b = b[4:]
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := uint16(b[i]) | uint16(b[i+1])<<8
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// EFIBoot reports whether the system was booted with EFI (systemd's is_efi_boot).
func EFIBoot() bool {
	_, err := os.Stat("/sys/firmware/efi")
	return err == nil
}

// ErrNoESP is Find's error when no ESP was found (systemd's ENOKEY).
var ErrNoESP = errors.New("bootspec: no ESP found")

// msdosMagic is the statfs type of vfat (MSDOS_SUPER_MAGIC).
const msdosMagic = 0x4d44

// Find locates the ESP and the XBOOTLDR partition as systemd's boot_config_load_auto does, with what it can
// check without udev: /run/boot-loader-entries/ when it exists (as an ESP, alone); else $SYSTEMD_ESP_PATH or the
// first of /efi, /boot, /boot/efi that is a vfat mount point, and $SYSTEMD_XBOOTLDR_PATH or /boot when it is
// another mount point. SYSTEMD_RELAX_ESP_CHECKS=1 accepts any directory, as systemd does. systemd also checks
// the partition's GPT type, which this does not.
func Find() (esp, xbootldr string, err error) {
	if _, err := os.Stat("/run/boot-loader-entries/"); err == nil {
		return "/run/boot-loader-entries/", "", nil
	}
	relax := os.Getenv("SYSTEMD_RELAX_ESP_CHECKS") == "1"
	if p := os.Getenv("SYSTEMD_ESP_PATH"); p != "" {
		if !relax && !mountPoint(p, true) {
			return "", "", ErrNoESP
		}
		esp = p
	} else {
		for _, p := range []string{"/efi", "/boot", "/boot/efi"} {
			if relax && isDir(p) || mountPoint(p, true) {
				esp = p
				break
			}
		}
	}
	if esp == "" {
		return "", "", ErrNoESP
	}
	if p := os.Getenv("SYSTEMD_XBOOTLDR_PATH"); p != "" {
		xbootldr = p
	} else if esp != "/boot" && (relax && isDir("/boot") || mountPoint("/boot", false)) {
		xbootldr = "/boot"
	}
	if xbootldr != "" && sameFile(esp, xbootldr) {
		xbootldr = ""
	}
	return esp, xbootldr, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// mountPoint reports whether p is a mount point (another device than its parent), of vfat when vfat is set.
func mountPoint(p string, vfat bool) bool {
	var st, parent unix.Stat_t
	if unix.Stat(p, &st) != nil || unix.Stat(filepath.Dir(filepath.Clean(p)), &parent) != nil || st.Dev == parent.Dev {
		return false
	}
	if !vfat {
		return true
	}
	var fs unix.Statfs_t
	return unix.Statfs(p, &fs) == nil && fs.Type == msdosMagic
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
