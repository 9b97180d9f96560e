// Package seed carries the kernel's random pool across reboots, as systemd-random-seed does: at boot the seed
// saved last time is written into the kernel's pool (credited as entropy only when the seed file says it may),
// and a fresh seed from getrandom(2) is saved at once, so that a seed is never used twice even if the machine
// crashes; at shutdown a fresh seed is saved again.
//
// A seed is credited when it was written by random-seed itself from getrandom(2) (the file then carries the
// extended attribute user.random-seed-creditable=1, as systemd marks it), the file is 0600 and root's, it is not
// the machine's first boot, and the file can be rewritten (so that the same seed is never credited twice).
// SYSMASTER_RANDOM_SEED_CREDIT (or systemd's SYSTEMD_RANDOM_SEED_CREDIT) overrides: "force" credits whatever the
// file holds, a false boolean never credits.
package seed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// DefaultPath is where the seed lives.
const DefaultPath = "/var/lib/sysmaster/random-seed"

// LegacyPath is systemd's seed, taken over (moved to DefaultPath) when sysmaster has none yet.
const LegacyPath = "/var/lib/systemd/random-seed"

// CreditableXattr marks a seed written from getrandom(2): systemd-random-seed's name, so that seeds move both ways.
const CreditableXattr = "user.random-seed-creditable"

// Options say where a run finds its files and where its kernel pool is. The zero value of each field but Pool
// and Log means "none".
type Options struct {
	Path            string // the seed file
	Legacy          string // a seed to take over when Path does not exist yet
	MachineID       string // /etc/machine-id: its 16 bytes are mixed in (never credited) before the seed
	FirstBootMarker string // exists on the machine's first boot: a seed shipped in an image is never credited
	Credit          string // the value of SYSMASTER_RANDOM_SEED_CREDIT, "" when unset
	Pool            Pool
	Log             io.Writer // one line per decision, for the unit's log
}

// Result tells what Load did.
type Result struct {
	Loaded   int  // bytes of the saved seed written into the pool
	Credited bool // whether they were credited as entropy
}

// Load writes the saved seed into the pool and replaces it with a fresh one. A missing seed is not an error
// (first boot), nor is a read-only file system (the seed is mixed in, not credited, and not refreshed).
func Load(o Options) (Result, error) {
	var res Result
	if id := machineID(o.MachineID); id != nil {
		if err := o.Pool.Mix(id); err != nil {
			return res, fmt.Errorf("random-seed: writing the machine ID into the pool: %w", err)
		}
	}
	o.takeOver()
	f, readOnly, err := openSeed(o.Path, os.O_RDWR)
	if err != nil {
		return res, err
	}
	if f == nil {
		o.logf("%s: read-only file system and no seed to load; nothing done.", o.Path)
		return res, nil
	}
	defer f.Close()
	trusted, err := o.checkOwnership(f, readOnly)
	if err != nil {
		return res, err
	}
	size, err := seedSize(f)
	if err != nil {
		return res, err
	}
	old := make([]byte, size)
	n, err := f.ReadAt(old, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return res, fmt.Errorf("random-seed: reading %s: %w", o.Path, err)
	}
	old = old[:n]
	if n > 0 {
		credit, why := o.mayCredit(f, trusted, readOnly)
		if !readOnly {
			// The mark goes before the seed is used: should the refresh below fail, the next boot must not
			// credit the same bytes again.
			if err := unix.Fremovexattr(int(f.Fd()), CreditableXattr); err != nil && err != unix.ENODATA {
				credit, why = credit && o.Credit == "force", "the marker could not be removed"
			}
			if err := f.Sync(); err != nil {
				credit, why = credit && o.Credit == "force", "the seed file could not be synced"
			}
		}
		if credit {
			err = o.Pool.Credit(old)
		} else {
			err = o.Pool.Mix(old)
		}
		if err != nil {
			return res, fmt.Errorf("random-seed: writing the seed into the pool: %w", err)
		}
		res = Result{Loaded: n, Credited: credit}
		if credit {
			o.logf("Seed of %d bytes credited to the kernel's entropy pool.", n)
		} else {
			o.logf("Seed of %d bytes mixed into the kernel's pool, not credited: %s.", n, why)
		}
	} else {
		o.logf("%s: no seed saved yet; nothing to load.", o.Path)
	}
	if readOnly {
		o.logf("%s: read-only file system, the seed is not refreshed.", o.Path)
		return res, nil
	}
	return res, refresh(f, old, size, true, o)
}

// Save writes a fresh seed from getrandom(2) to the seed file (without waiting for the pool: at shutdown it is
// long ready). A read-only file system is one line, not a failure.
func Save(o Options) error {
	f, readOnly, err := openSeed(o.Path, os.O_WRONLY)
	if err != nil {
		return err
	}
	if f == nil || readOnly {
		if f != nil {
			f.Close()
		}
		o.logf("%s: read-only file system, no seed saved.", o.Path)
		return nil
	}
	defer f.Close()
	size, err := seedSize(f)
	if err != nil {
		return err
	}
	return refresh(f, nil, size, false, o)
}

// openSeed opens (creating it 0600) the seed file, and its directory first. On a read-only file system it
// falls back to reading: readOnly then says so, and a nil file that there is nothing to read either.
func openSeed(path string, mode int) (f *os.File, readOnly bool, err error) {
	// A directory that cannot be made (a read-only /var/lib) shows as the open's error below.
	_ = os.MkdirAll(filepath.Dir(path), 0o755)
	f, err = os.OpenFile(path, mode|os.O_CREATE|unix.O_NOCTTY|unix.O_NOFOLLOW, 0o600)
	if err == nil {
		return f, false, nil
	}
	if !errors.Is(err, unix.EROFS) && !(errors.Is(err, unix.ENOENT) && readOnlyDir(filepath.Dir(path))) {
		return nil, false, fmt.Errorf("random-seed: %w", err)
	}
	f, err = os.OpenFile(path, os.O_RDONLY|unix.O_NOCTTY|unix.O_NOFOLLOW, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil, true, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("random-seed: %w", err)
	}
	return f, true, nil
}

// readOnlyDir tells whether the nearest existing ancestor of dir is on a read-only file system (the seed's
// directory could not be made there).
func readOnlyDir(dir string) bool {
	for ; ; dir = filepath.Dir(dir) {
		var st unix.Statfs_t
		if err := unix.Statfs(dir, &st); err == nil {
			return st.Flags&unix.ST_RDONLY != 0
		}
		if dir == "/" || dir == "." {
			return false
		}
	}
}

// checkOwnership makes the seed file 0600 and root's (systemd forces it on every save): a file others could
// read or write holds a seed that may be known, so it is fixed, said once, and its seed not credited.
func (o Options) checkOwnership(f *os.File, readOnly bool) (trusted bool, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return false, fmt.Errorf("random-seed: %s: %w", o.Path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false, fmt.Errorf("random-seed: %s: not a regular file", o.Path)
	}
	mode := st.Mode & 0o7777
	if mode&0o077 == 0 && st.Uid == 0 && st.Gid == 0 {
		return true, nil
	}
	if readOnly {
		o.logf("%s: mode %04o owner %d:%d on a read-only file system, cannot be fixed; its seed is not credited.",
			o.Path, mode, st.Uid, st.Gid)
		return false, nil
	}
	if err := f.Chmod(0o600); err != nil {
		return false, fmt.Errorf("random-seed: fixing the mode of %s: %w", o.Path, err)
	}
	if err := f.Chown(0, 0); err != nil {
		return false, fmt.Errorf("random-seed: fixing the owner of %s: %w", o.Path, err)
	}
	o.logf("%s: mode %04o owner %d:%d, fixed to 0600 root:root; its seed is not credited.", o.Path, mode, st.Uid, st.Gid)
	return false, nil
}

// takeOver moves systemd's seed to sysmaster's place on the first run after a migration, so that the machine's
// pool gets the seed systemd saved at its last shutdown (and systemd's file is never read twice).
func (o Options) takeOver() {
	if o.Legacy == "" {
		return
	}
	if _, err := os.Lstat(o.Path); !errors.Is(err, os.ErrNotExist) {
		return
	}
	if _, err := os.Lstat(o.Legacy); err != nil {
		return
	}
	_ = os.MkdirAll(filepath.Dir(o.Path), 0o755)
	if err := os.Rename(o.Legacy, o.Path); err != nil {
		o.logf("Taking over %s as %s: %v; starting with no seed.", o.Legacy, o.Path, err)
		return
	}
	o.logf("Took over %s as %s.", o.Legacy, o.Path)
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}
