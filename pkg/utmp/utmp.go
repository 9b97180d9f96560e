// Package utmp reads and writes the login records of utmp(5) (/run/utmp, the current ones) and wtmp (/var/log/wtmp,
// the history) as glibc's pututxline and updwtmpx do, in pure Go: records of 384 bytes (the layout of glibc on
// 64-bit Linux, x86-64 and aarch64 alike), the file locked with fcntl while it is changed.
package utmp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The record types (ut_type).
const (
	Empty        = 0
	RunLevel     = 1
	BootTime     = 2
	NewTime      = 3
	OldTime      = 4
	InitProcess  = 5
	LoginProcess = 6
	UserProcess  = 7
	DeadProcess  = 8
)

// The files, as Debian has them.
const (
	UtmpFile = "/run/utmp"
	WtmpFile = "/var/log/wtmp"
)

// Size is the size of one record.
const Size = 384

// Record is one utmp entry. Strings longer than their field are cut (ID keeps its last 4 bytes, as systemd's
// copy_suffix does).
type Record struct {
	Type        int16
	Pid         int32
	Line        string // the terminal without /dev/, at most 32 bytes
	ID          string // at most 4 bytes
	User        string // at most 32 bytes
	Host        string // at most 256 bytes
	Termination int16  // ut_exit.e_termination
	Exit        int16  // ut_exit.e_exit
	Session     int32
	Time        time.Time
}

// field offsets and sizes of struct utmp.
const (
	offType, offPid, offLine, offID, offUser, offHost = 0, 4, 8, 40, 44, 76
	offExit, offSession, offTime                      = 332, 336, 340
	lenLine, lenID, lenUser, lenHost                  = 32, 4, 32, 256
)

// Marshal encodes r.
func (r *Record) Marshal() []byte {
	b := make([]byte, Size)
	le := binary.LittleEndian
	le.PutUint16(b[offType:], uint16(r.Type))
	le.PutUint32(b[offPid:], uint32(r.Pid))
	copy(b[offLine:offLine+lenLine], r.Line)
	copy(b[offID:offID+lenID], suffix(r.ID))
	copy(b[offUser:offUser+lenUser], r.User)
	copy(b[offHost:offHost+lenHost], r.Host)
	le.PutUint16(b[offExit:], uint16(r.Termination))
	le.PutUint16(b[offExit+2:], uint16(r.Exit))
	le.PutUint32(b[offSession:], uint32(r.Session))
	if !r.Time.IsZero() {
		le.PutUint32(b[offTime:], uint32(r.Time.Unix()))
		le.PutUint32(b[offTime+4:], uint32(r.Time.Nanosecond()/1000))
	}
	return b
}

// Unmarshal decodes one record; b must hold Size bytes.
func Unmarshal(b []byte) (*Record, error) {
	if len(b) < Size {
		return nil, fmt.Errorf("utmp: a record is %d bytes, have %d", Size, len(b))
	}
	le := binary.LittleEndian
	str := func(off, n int) string {
		f := b[off : off+n]
		if i := bytes.IndexByte(f, 0); i >= 0 {
			f = f[:i]
		}
		return string(f)
	}
	r := &Record{
		Type: int16(le.Uint16(b[offType:])), Pid: int32(le.Uint32(b[offPid:])),
		Line: str(offLine, lenLine), ID: str(offID, lenID), User: str(offUser, lenUser), Host: str(offHost, lenHost),
		Termination: int16(le.Uint16(b[offExit:])), Exit: int16(le.Uint16(b[offExit+2:])),
		Session: int32(le.Uint32(b[offSession:])),
	}
	if sec, usec := int32(le.Uint32(b[offTime:])), int32(le.Uint32(b[offTime+4:])); sec != 0 || usec != 0 {
		r.Time = time.Unix(int64(sec), int64(usec)*1000)
	}
	return r, nil
}

// sameEntry is getutid's match: a process record (init, login, user, dead) by ID, another by type.
func sameEntry(a, b *Record) bool {
	isProc := func(t int16) bool { return t >= InitProcess && t <= DeadProcess }
	if isProc(a.Type) {
		return isProc(b.Type) && suffix(a.ID) == suffix(b.ID)
	}
	return a.Type == b.Type
}

// lock takes fcntl's lock of the whole file, as glibc does around its changes.
func lock(f *os.File, typ int16) error {
	lk := unix.Flock_t{Type: typ, Whence: io.SeekStart}
	for {
		err := unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk)
		if err != unix.EINTR {
			return err
		}
	}
}

// Read returns every record of path.
func Read(path string) ([]*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := lock(f, unix.F_RDLCK); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	var out []*Record
	for len(b) >= Size {
		r, _ := Unmarshal(b[:Size])
		out = append(out, r)
		b = b[Size:]
	}
	return out, nil
}

// Put writes r to the utmp file path over the entry it replaces (pututxline), or at the end. The file must
// exist: as with glibc, a system without utmp gets no records.
func Put(path string, r *Record) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lock(f, unix.F_WRLCK); err != nil {
		return err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	off := int64(len(b) / Size * Size)
	for i := 0; i+Size <= len(b); i += Size {
		old, _ := Unmarshal(b[i : i+Size])
		if sameEntry(r, old) {
			off = int64(i)
			break
		}
	}
	_, err = f.WriteAt(r.Marshal(), off)
	return err
}

// Append adds r at the end of the wtmp file path (updwtmpx); the file must exist.
func Append(path string, r *Record) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lock(f, unix.F_WRLCK); err != nil {
		return err
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	// A torn record at the end (a crash while writing) is overwritten, as glibc does.
	_, err = f.WriteAt(r.Marshal(), end/Size*Size)
	return err
}

// putBoth writes r to utmp and wtmp; a missing file is skipped.
func putBoth(utmp, wtmp string, r, w *Record) error {
	err1 := Put(utmp, r)
	err2 := Append(wtmp, w)
	if errors.Is(err1, os.ErrNotExist) {
		err1 = nil
	}
	if errors.Is(err2, os.ErrNotExist) {
		err2 = nil
	}
	return errors.Join(err1, err2)
}

// PutInit records a process started for UtmpIdentifier=id, as systemd's utmp_put_init_process: an INIT_PROCESS
// record, then for the login and user modes a LOGIN_PROCESS one, and for the user mode a USER_PROCESS one
// naming user.
func PutInit(utmp, wtmp, id string, pid, sid int, line string, typ int16, user string) error {
	r := &Record{Type: InitProcess, Pid: int32(pid), Session: int32(sid), ID: id, Line: line, Time: time.Now()}
	if err := putBoth(utmp, wtmp, r, r); err != nil {
		return err
	}
	if typ == LoginProcess || typ == UserProcess {
		r.Type = LoginProcess
		if err := putBoth(utmp, wtmp, r, r); err != nil {
			return err
		}
	}
	if typ == UserProcess {
		r.Type, r.User = UserProcess, user
		return putBoth(utmp, wtmp, r, r)
	}
	return nil
}

// PutDead marks the entry of id dead when it is pid's, as systemd's utmp_put_dead_process: code and status are
// those of waitid (CLD_EXITED and the exit status, or CLD_KILLED/CLD_DUMPED and the signal).
func PutDead(utmp, wtmp, id string, pid, code, status int) error {
	recs, err := Read(utmp)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	key := &Record{Type: InitProcess, ID: id}
	for _, old := range recs {
		if !sameEntry(key, old) {
			continue
		}
		if old.Pid != int32(pid) {
			return nil
		}
		r := *old
		r.Type, r.Termination, r.Exit = DeadProcess, int16(code), int16(status)
		r.User, r.Host, r.Time = "", "", time.Time{}
		w := r
		w.Time = time.Now()
		return putBoth(utmp, wtmp, &r, &w)
	}
	return nil
}

// suffix is the ID as a record holds it: its last 4 bytes, as systemd's copy_suffix takes them.
func suffix(id string) string {
	if len(id) > lenID {
		return id[len(id)-lenID:]
	}
	return id
}
