package service

import (
	"math"
	"slices"
)

// shouldRestart applies Restart=, RestartPreventExitStatus= and RestartForceExitStatus= (man systemd.service,
// the table under Restart=).
func (m *machine) shouldRestart() bool {
	if m.s.Stopping {
		return false
	}
	if m.s.MainExited && m.exitIn(m.c.RestartPreventExitStatus) {
		return false
	}
	if m.s.MainExited && m.exitIn(m.c.RestartForceExitStatus) {
		return true
	}
	r := m.s.ResultName()
	switch m.c.Restart {
	case "always":
		return true
	case "on-success":
		return r == resSuccess
	case "on-failure":
		return r != resSuccess
	case "on-abnormal":
		return r == resSignal || r == resCoreDump || r == resTimeout || r == resWatchdog || r == resOOMKill
	case "on-abort":
		return r == resSignal || r == resCoreDump
	case "on-watchdog":
		return r == resWatchdog
	}
	return false
}

// exitIn reports whether the main process's exit is in set: its status when it exited, its signal otherwise.
func (m *machine) exitIn(set ExitStatusSet) bool {
	if m.s.MainCode == 1 {
		return slices.Contains(set.Statuses, int(m.s.MainStatus))
	}
	return slices.Contains(set.Signals, int(m.s.MainStatus))
}

// restartDelay is RestartSec=, growing towards RestartMaxDelaySec= over RestartSteps= restarts.
func (m *machine) restartDelay() uint64 {
	base, top, steps := m.c.RestartUSec, m.c.RestartMaxDelayUSec, m.c.RestartSteps
	if steps == 0 || top <= base || base == 0 {
		return base
	}
	n := min(m.s.NRestarts+1, steps)
	d := float64(base) * math.Pow(float64(top)/float64(base), float64(n)/float64(steps))
	return min(uint64(d), top)
}
