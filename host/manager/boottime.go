package manager

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// The boot's timestamps, systemd's UserspaceTimestamp and FinishTimestamp, for `sctl analyze time`, `blame` and
// `critical-chain`: the userspace start is init's (its exec as PID 1, the same for every core of this boot);
// the finish is the turn in which the boot's jobs were all done (bootFinished), recorded once and kept in the
// checkpoint, so a core that comes back reports the same boot.

// bootTimes is the manager's record of its boot.
type bootTimes struct {
	finish stamp
	dirty  bool // finish changed since the last commit
}

// noteBootFinished records the finish the first time the boot's jobs are all done.
func (m *Manager) noteBootFinished() {
	if m.boot.finish.mono == 0 && m.bootFinished() {
		m.boot.finish, m.boot.dirty = now(), true
		user := userspaceStart()
		span := uint64((m.boot.finish.mono - user.mono).Microseconds())
		m.announce(api.Event{Kind: api.StartupFinished, Startup: api.StartupTimes{
			Kernel: uint64(user.mono.Microseconds()), Userspace: span, Total: uint64(m.boot.finish.mono.Microseconds())}})
	}
}

func (m *Manager) saveBoot(blobs map[string][]byte) {
	if m.boot.finish.mono != 0 {
		blobs["boot"], _ = json.Marshal(struct {
			Finish stampRecord `json:"finish"`
		}{rec(m.boot.finish)})
	}
	m.boot.dirty = false
}

func (m *Manager) restoreBoot(blobs map[string][]byte) {
	var r struct {
		Finish stampRecord `json:"finish"`
	}
	if b := blobs["boot"]; b != nil && json.Unmarshal(b, &r) == nil {
		m.boot.finish = r.Finish.stamp()
	}
}

// userspaceStart is when init started as PID 1 (initproto.UserspaceEnv, which init sets), else PID 1's start
// time: /proc/1/stat's, in clock ticks after the boot.
func userspaceStart() stamp {
	if usec, err := strconv.ParseInt(os.Getenv(initproto.UserspaceEnv), 10, 64); err == nil && usec > 0 {
		mono := time.Duration(usec) * time.Microsecond
		n := now()
		return stamp{wall: n.wall + int64(mono-n.mono), mono: mono}
	}
	b, err := os.ReadFile("/proc/1/stat")
	if err != nil {
		return stamp{}
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 {
		return stamp{}
	}
	ticks, err := strconv.ParseInt(f[19], 10, 64) // field 22, starttime
	if err != nil {
		return stamp{}
	}
	mono := time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on every Linux ABI
	n := now()
	return stamp{wall: n.wall + int64(mono-n.mono), mono: mono}
}

// bootProperties are the manager's timestamp properties, as systemd's Manager has them (the monotonic ones in
// µs after the kernel's start; 0 when not reached).
func (m *Manager) bootProperties(ps *api.Properties) {
	kernel := stamp{}
	if realBoot() {
		n := now()
		kernel = stamp{wall: n.wall - int64(n.mono)}
	}
	for _, s := range []struct {
		name string
		at   stamp
	}{{"KernelTimestamp", kernel}, {"UserspaceTimestamp", userspaceStart()}, {"FinishTimestamp", m.boot.finish}} {
		ps.Stamp(s.name, s.at.wallTime(), s.at.mono)
	}
}
