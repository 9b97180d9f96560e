// Package utmp reads and writes the login records of utmp(5) (/run/utmp: who is logged in now, the boot time, the
// runlevel) and wtmp (/var/log/wtmp: their history), in glibc's x86-64 and aarch64 layout, so that who(1),
// last(1) and runlevel(8) see what sysmaster records. Writers lock the file as glibc does (fcntl F_SETLKW on
// the whole file).
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

// Paths of the files, as glibc has them.
const (
	UtmpPath = "/run/utmp"
	WtmpPath = "/var/log/wtmp"
)

// Record types (ut_type).
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

// recordSize is sizeof(struct utmp) on 64-bit glibc: type(2)+pad(2), pid(4), line[32], id[4], user[32],
// host[256], exit(4), session(4), tv(8: 32-bit seconds and microseconds), addr_v6[16], reserved[20].
const recordSize = 384

// Record is one entry.
type Record struct {
	Type       int16
	Pid        int32
	Line       string // device name without /dev/ ("ttyS0"), "~" for boot and runlevel records
	ID         string // inittab id, at most 4 bytes
	User       string
	Host       string
	Time       time.Time
	ExitStatus int16 // ut_exit.e_exit of a dead process
	// Termination is ut_exit.e_termination: systemd puts there the waitid code of the exit (CLD_EXITED, …).
	Termination int16
	Session     int32 // ut_session: the session ID of a process record
}

// wire is struct utmp.
type wire struct {
	Type     int16
	_        int16
	Pid      int32
	Line     [32]byte
	ID       [4]byte
	User     [32]byte
	Host     [256]byte
	Term     int16
	Exit     int16
	Session  int32
	Sec      int32
	Usec     int32
	AddrV6   [4]int32
	Reserved [20]byte
}

func (r Record) encode() []byte {
	var w wire
	w.Type, w.Pid, w.Exit, w.Term, w.Session = r.Type, r.Pid, r.ExitStatus, r.Termination, r.Session
	copy(w.Line[:], r.Line)
	copy(w.ID[:], r.ID)
	copy(w.User[:], r.User)
	copy(w.Host[:], r.Host)
	if !r.Time.IsZero() {
		w.Sec, w.Usec = int32(r.Time.Unix()), int32(r.Time.Nanosecond()/1000)
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, &w) // fixed-size struct into a buffer: cannot fail
	return b.Bytes()
}

func decode(b []byte) Record {
	var w wire
	binary.Read(bytes.NewReader(b), binary.LittleEndian, &w) // len(b) == recordSize
	str := func(s []byte) string {
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	r := Record{Type: w.Type, Pid: w.Pid, Line: str(w.Line[:]), ID: str(w.ID[:]), User: str(w.User[:]),
		Host: str(w.Host[:]), ExitStatus: w.Exit, Termination: w.Term, Session: w.Session}
	if w.Sec != 0 || w.Usec != 0 {
		r.Time = time.Unix(int64(w.Sec), int64(w.Usec)*1000)
	}
	return r
}

// Read returns the records of the file at path.
func Read(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Record
	for ; len(b) >= recordSize; b = b[recordSize:] {
		out = append(out, decode(b[:recordSize]))
	}
	return out, nil
}

// matches is pututline(3)'s search: boot, time and runlevel records replace the record of the same type; process
// records replace the process record with the same id.
func matches(old, r Record) bool {
	switch r.Type {
	case RunLevel, BootTime, NewTime, OldTime:
		return old.Type == r.Type
	case InitProcess, LoginProcess, UserProcess, DeadProcess:
		switch old.Type {
		case InitProcess, LoginProcess, UserProcess, DeadProcess:
			return old.ID == r.ID
		}
	}
	return false
}

// Put writes r into the utmp file at path as pututline(3) does: over the record it replaces, else at the end. The
// file is created (mode 0664) when missing.
func Put(path string, r Record) error {
	f, err := lockedOpen(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	off := int64(len(b) - len(b)%recordSize)
	for i := 0; i+recordSize <= len(b); i += recordSize {
		if matches(decode(b[i:i+recordSize]), r) {
			off = int64(i)
			break
		}
	}
	_, err = f.WriteAt(r.encode(), off)
	return err
}

// Append adds r at the end of the wtmp file at path, as updwtmp(3) does. A missing wtmp is not created: logging
// into wtmp is the admin's choice, made by creating it.
func Append(path string, r Record) error {
	f, err := lockedOpen(path, os.O_RDWR)
	if err != nil {
		return err
	}
	defer f.Close()
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(r.encode(), end-end%recordSize)
	return err
}

func lockedOpen(path string, flags int) (*os.File, error) {
	f, err := os.OpenFile(path, flags, 0o664)
	if err != nil {
		return nil, err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
