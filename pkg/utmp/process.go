package utmp

import (
	"errors"
	"os"
	"time"
)

// The records systemd writes for a unit's process with UtmpIdentifier= (man systemd.exec, UtmpMode=).

// idSuffix is the ID as a record holds it: its last 4 bytes, as systemd's copy_suffix takes them.
func idSuffix(id string) string {
	if len(id) > 4 {
		return id[len(id)-4:]
	}
	return id
}

// both writes r to utmp and appends w to wtmp; a missing wtmp is left missing.
func both(utmp, wtmp string, r, w Record) error {
	err1 := Put(utmp, r)
	err2 := Append(wtmp, w)
	if errors.Is(err2, os.ErrNotExist) {
		err2 = nil
	}
	return errors.Join(err1, err2)
}

// PutInit records a process started for UtmpIdentifier=id, as systemd's utmp_put_init_process: an INIT_PROCESS
// record, then for the login and user modes (typ LoginProcess, UserProcess) a LOGIN_PROCESS one, and for the
// user mode a USER_PROCESS one naming user. line is the terminal without /dev/.
func PutInit(utmp, wtmp, id string, pid, sid int, line string, typ int16, user string) error {
	r := Record{Type: InitProcess, Pid: int32(pid), Session: int32(sid), ID: idSuffix(id), Line: line, Time: time.Now()}
	if err := both(utmp, wtmp, r, r); err != nil {
		return err
	}
	if typ == LoginProcess || typ == UserProcess {
		r.Type = LoginProcess
		if err := both(utmp, wtmp, r, r); err != nil {
			return err
		}
	}
	if typ == UserProcess {
		r.Type, r.User = UserProcess, user
		return both(utmp, wtmp, r, r)
	}
	return nil
}

// PutDead marks the entry of id dead when it is still pid's, as systemd's utmp_put_dead_process: code and status
// are waitid's (CLD_EXITED and the exit status, or CLD_KILLED/CLD_DUMPED and the signal). A missing utmp has no
// entry to mark.
func PutDead(utmp, wtmp, id string, pid, code, status int) error {
	recs, err := Read(utmp)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	key := Record{Type: InitProcess, ID: idSuffix(id)}
	for _, old := range recs {
		if !matches(old, key) {
			continue
		}
		if old.Pid != int32(pid) {
			return nil
		}
		r := old
		r.Type, r.Termination, r.ExitStatus = DeadProcess, int16(code), int16(status)
		r.User, r.Host, r.Time = "", "", time.Time{}
		w := r
		w.Time = time.Now() // wtmp wants the time of the exit
		return both(utmp, wtmp, r, w)
	}
	return nil
}
