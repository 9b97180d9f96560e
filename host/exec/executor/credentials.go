package executor

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// CredentialsDir holds each unit's credentials, as $CREDENTIALS_DIRECTORY: /run/credentials/<unit>, a ramfs of
// its own, read-only, mode 0500 and owned by the service's user, each file 0400 and the user's.
const CredentialsDir = "/run/credentials"

// credentialSizeMax is systemd's CREDENTIAL_SIZE_MAX (and the total, CREDENTIALS_TOTAL_SIZE_MAX): 1 MiB.
const credentialSizeMax = 1 << 20

// SystemCredentialsDir is where LoadCredential= finds a credential named without a path: the manager's own
// $CREDENTIALS_DIRECTORY, or systemd's place for the system's credentials.
func SystemCredentialsDir() string {
	if d := os.Getenv("CREDENTIALS_DIRECTORY"); d != "" {
		return d
	}
	return filepath.Join(CredentialsDir, "@system")
}

// credentialsPath is the unit's $CREDENTIALS_DIRECTORY.
func credentialsPath(unit string) string {
	return filepath.Join(CredentialsDir, strings.ReplaceAll(unit, "/", "_"))
}

// credentials reads the unit's credentials as systemd 252 does: LoadCredential= first (a missing credential of
// the manager's own is skipped, as is a missing file with a SetCredential= of the same ID to fall back on), then
// SetCredential= for the IDs not loaded. A directory gives one credential per file, named ID_FILE.
func loadCredentials(creds []*Credential, unit, sysDir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	hasDefault := map[string]bool{}
	for _, c := range creds {
		if c.Path == "" {
			hasDefault[c.Id] = true
		}
	}
	total := 0
	put := func(id string, b []byte) error {
		if total += len(b); total > credentialSizeMax {
			return fmt.Errorf("%s: the credentials are larger than %d bytes together", id, credentialSizeMax)
		}
		out[id] = b
		return nil
	}
	for _, c := range creds {
		if c.Path == "" {
			continue
		}
		path, inherited := c.Path, !strings.HasPrefix(c.Path, "/")
		if inherited {
			path = filepath.Join(sysDir, c.Path)
		}
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			if errors.Is(err, unix.ENOENT) && (inherited || hasDefault[c.Id]) {
				continue
			}
			return nil, fmt.Errorf("LoadCredential=%s:%s: %w", c.Id, c.Path, err)
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			entries, err := os.ReadDir(path)
			if err != nil {
				return nil, fmt.Errorf("LoadCredential=%s:%s: %w", c.Id, c.Path, err)
			}
			for _, e := range entries {
				if !e.Type().IsRegular() {
					continue
				}
				b, err := readCredential(filepath.Join(path, e.Name()))
				if err == nil {
					err = put(c.Id+"_"+e.Name(), b)
				}
				if err != nil {
					return nil, fmt.Errorf("LoadCredential=%s:%s: %w", c.Id, c.Path, err)
				}
			}
		case unix.S_IFSOCK:
			b, err := readCredentialSocket(path, unit, c.Id)
			if err == nil {
				err = put(c.Id, b)
			}
			if err != nil {
				return nil, fmt.Errorf("LoadCredential=%s:%s: %w", c.Id, c.Path, err)
			}
		default:
			b, err := readCredential(path)
			if err == nil {
				err = put(c.Id, b)
			}
			if err != nil {
				return nil, fmt.Errorf("LoadCredential=%s:%s: %w", c.Id, c.Path, err)
			}
		}
	}
	for _, c := range creds {
		if _, loaded := out[c.Id]; c.Path == "" && !loaded {
			if err := put(c.Id, c.Data); err != nil {
				return nil, fmt.Errorf("SetCredential=%s: %w", c.Id, err)
			}
		}
	}
	return out, nil
}

func readCredential(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f)
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, credentialSizeMax+1))
	if err == nil && len(b) > credentialSizeMax {
		err = fmt.Errorf("larger than %d bytes", credentialSizeMax)
	}
	return b, err
}

// readCredentialSocket connects to an AF_UNIX stream socket and reads the credential to EOF. As systemd does,
// the client is bound to the abstract address "@RANDOM/unit/UNIT/ID", so that the server can tell who asks.
func readCredentialSocket(path, unit, id string) ([]byte, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	var rnd [8]byte
	_, _ = unix.Getrandom(rnd[:], 0) // crypto/rand would cost every spawn its package initialisers
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: "@" + hex.EncodeToString(rnd[:]) + "/unit/" + unit + "/" + id}); err != nil {
		return nil, fmt.Errorf("bind: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	_ = unix.Shutdown(fd, unix.SHUT_WR)
	return readLimited(f)
}

// setupCredentials writes the unit's credentials to a fresh ramfs on /run/credentials/<unit> (tmpfs where
// there is no ramfs), in the host's mount namespace so that every process of the unit sees them and the host
// can remove them when the unit is down. A previous mount (an earlier process of the unit) is replaced.
func (x *executor) setupCredentials() *Failure {
	creds := x.ec.Credentials
	if len(creds) == 0 {
		return nil
	}
	// The process exits with 243 as systemd's would when it cannot decrypt, so that the unit's status says it.
	for _, c := range creds {
		if c.Encrypted {
			key := "LoadCredentialEncrypted"
			if c.Path == "" {
				key = "SetCredentialEncrypted"
			}
			return fail("CREDENTIALS", "%s=%s: encrypted credentials are not supported by sysmaster (no TPM2 or host-key decryption); refusing to run without it", key, c.Id)
		}
	}
	switch {
	case x.sp.CredentialsError != "":
		return fail("CREDENTIALS", "%s", x.sp.CredentialsError)
	case x.sp.CredentialsReady: // the core mounted them (privileged.go)
		x.env = append(x.env, "CREDENTIALS_DIRECTORY="+credentialsPath(x.sp.Unit))
		return nil
	}
	data, err := loadCredentials(creds, x.sp.Unit, x.sp.SystemCredentials)
	if err != nil {
		return fail("CREDENTIALS", "%v", err)
	}
	dir := credentialsPath(x.sp.Unit)
	if err := writeCredentials(dir, data, x.uid, x.gid); err != nil {
		return fail("CREDENTIALS", "%s: %v", dir, err)
	}
	x.env = append(x.env, "CREDENTIALS_DIRECTORY="+dir)
	return nil
}

func writeCredentials(dir string, data map[string][]byte, uid, gid int) error {
	if err := os.MkdirAll(CredentialsDir, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return err
	}
	// The previous credentials of the unit go (processes still using them keep them); the window without them
	// is this process's setup, as the processes of one unit are started one after another.
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && err != unix.EINVAL {
		return fmt.Errorf("unmount the previous credentials: %w", err)
	}
	const flags = unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC
	if err := unix.Mount("ramfs", dir, "ramfs", flags, "mode=0700"); err != nil {
		if err := unix.Mount("tmpfs", dir, "tmpfs", flags, "mode=0700"); err != nil {
			return fmt.Errorf("mount: %w", err)
		}
	}
	for id, b := range data {
		p := filepath.Join(dir, id)
		if err := os.WriteFile(p, b, 0o400); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o400); err != nil { // against the umask
			return err
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			return err
		}
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		return err
	}
	if err := os.Lchown(dir, uid, gid); err != nil {
		return err
	}
	return unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|flags, "")
}

// RemoveCredentials unmounts and removes a unit's $CREDENTIALS_DIRECTORY; nothing to do is not an error.
func RemoveCredentials(unit string) error {
	dir := credentialsPath(unit)
	for {
		// Mounted more than once when two processes of the unit replaced each other's at the same time.
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			if err != unix.EINVAL && err != unix.ENOENT {
				return fmt.Errorf("unmount %s: %w", dir, err)
			}
			break
		}
	}
	if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
