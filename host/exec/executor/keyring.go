package executor

import (
	"encoding/hex"
	"errors"

	"golang.org/x/sys/unix"
)

// keyring applies KeyringMode= as systemd does: unless inherit, the process gets an anonymous session keyring
// of its own (owned by User=/Group=: the thread's real IDs are switched for the call, as pam_keyinit does), with
// the user keyring linked in for shared, and an "invocation_id" user key holding the invocation ID. A kernel
// without keyrings, or one that refuses (a container), is not an error, as in systemd.
func (x *executor) keyring() *Failure {
	mode := x.ec.KeyringMode
	if mode == "inherit" {
		return nil
	}
	if f := x.newSessionKeyring(mode == "shared"); f != nil {
		return f
	}
	id, err := hex.DecodeString(x.sp.InvocationID)
	if err != nil || len(id) != 16 {
		return nil
	}
	key, err := unix.AddKey("user", "invocation_id", id, unix.KEY_SPEC_SESSION_KEYRING)
	if err != nil {
		return nil // systemd ignores this too
	}
	const perm = 0x01 | 0x02 | 0x08 | 0x01<<24 | 0x02<<24 | 0x08<<24 // KEY_{POS,USR}_{VIEW,READ,SEARCH}
	if err := unix.KeyctlSetperm(key, perm); err != nil {
		return fail("KEYRING", "restrict the invocation ID key: %v", err)
	}
	return nil
}

// newSessionKeyring joins a new anonymous session keyring with the thread's real IDs set to the service's.
// setreuid and setregid are raw here: they must change this thread only, and only for the call.
func (x *executor) newSessionKeyring(shared bool) *Failure {
	ruid, rgid := unix.Getuid(), unix.Getgid()
	const keep = ^uintptr(0) // -1: leave the effective ID
	if x.gid != rgid {
		if _, _, e := unix.RawSyscall(unix.SYS_SETREGID, uintptr(x.gid), keep, 0); e != 0 {
			return fail("KEYRING", "change GID for the keyring: %v", e)
		}
		defer unix.RawSyscall(unix.SYS_SETREGID, uintptr(rgid), keep, 0)
	}
	if x.uid != ruid {
		if _, _, e := unix.RawSyscall(unix.SYS_SETREUID, uintptr(x.uid), keep, 0); e != 0 {
			return fail("KEYRING", "change UID for the keyring: %v", e)
		}
		defer unix.RawSyscall(unix.SYS_SETREUID, uintptr(ruid), keep, 0)
	}
	// A NULL name: an anonymous keyring (an empty name would be one keyring named "", shared).
	if _, err := unix.KeyctlInt(unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0); err != nil {
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EDQUOT) {
			return nil
		}
		return fail("KEYRING", "KeyringMode=: join a new session keyring: %v", err)
	}
	if shared {
		if _, err := unix.KeyctlInt(unix.KEYCTL_LINK, unix.KEY_SPEC_USER_KEYRING, unix.KEY_SPEC_SESSION_KEYRING, 0, 0); err != nil {
			return fail("KEYRING", "KeyringMode=shared: link the user keyring: %v", err)
		}
	}
	return nil
}
