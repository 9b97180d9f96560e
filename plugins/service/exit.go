package service

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

func (m *machine) onSpawnFailed(id string, role sdk.Role, msg string) {
	m.u.Logf("Failed to spawn %s: %s", id, msg)
	if role == sdk.RoleMain && m.c.Type != "oneshot" {
		m.s.MainExited = true
		m.failed(phaseStart, resResources)
		return
	}
	if phase, _, _, ok := m.r.Done(id); ok {
		m.failed(phase, resResources)
	}
}

func (m *machine) onChildExited(id string, role sdk.Role, code sdk.ExitCode, status int32) {
	if role == sdk.RoleMain && m.c.Type == "oneshot" && m.s.Phase == phaseStart {
		m.s.MainExited, m.s.MainCode, m.s.MainStatus = true, int32(code), status
		m.commandExited(id, code, status, true)
		return
	}
	if role == sdk.RoleMain {
		m.mainExited(code, status)
		return
	}
	if m.s.Phase != "" && strings.HasPrefix(id, m.s.Phase+"/") {
		m.commandExited(id, code, status, false)
		return
	}
	if m.oomKilled {
		m.oomPolicy()
		return
	}
	m.maybeGone()
}

// oomPolicy applies OOMPolicy= to the OOM kill of a process that is neither the main nor a control process.
func (m *machine) oomPolicy() {
	m.u.Logf("A process of this unit has been killed by the OOM killer.")
	if m.c.OOMPolicy != "continue" {
		m.s.Record(resOOMKill) // the main process may be the one: its exit, if it comes next, says no more
	}
	if activeOf[m.s.Sub] != sdk.Active && activeOf[m.s.Sub] != sdk.Activating && activeOf[m.s.Sub] != sdk.Reloading {
		m.maybeGone()
		return
	}
	switch m.c.OOMPolicy {
	case "continue":
		m.maybeGone()
	case "kill":
		m.u.Logf("Killing the rest of the unit (OOMPolicy=kill).")
		m.signal(subStopSigkill, resOOMKill)
	default: // stop
		m.u.Logf("Stopping the unit (OOMPolicy=stop).")
		m.stop(resOOMKill)
	}
}

// classify tells how a main process ended: success, or the result it means (SuccessExitStatus= counts).
func (m *machine) classify(code sdk.ExitCode, status int32) string {
	if m.oomKilled {
		return resOOMKill
	}
	switch code {
	case sdk.Exited:
		if status == 0 || slices.Contains(m.c.SuccessExitStatus.Statuses, int(status)) {
			return resSuccess
		}
		return resExitCode
	case sdk.Killed:
		switch syscall.Signal(status) {
		case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE:
			return resSuccess
		}
		if slices.Contains(m.c.SuccessExitStatus.Signals, int(status)) {
			return resSuccess
		}
		return resSignal
	}
	return resCoreDump
}

// adoptDaemon finds a forking service's main process: PIDFile=, else the host's guess (SetMainPid 0).
func (m *machine) adoptDaemon() {
	if m.c.PIDFile != "" {
		b, err := os.ReadFile(m.c.PIDFile)
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if err == nil && perr == nil && pid > 1 {
			m.u.SetMainPid(int64(pid))
			return
		}
		if err == nil {
			err = perr
		}
		m.u.Logf("PID file %s not readable (yet?) after start: %v", m.c.PIDFile, err)
	}
	if m.c.GuessMainPID {
		m.u.SetMainPid(0)
	}
}

// mainExited is the end of the main process outside the start phase's own bookkeeping.
func (m *machine) mainExited(code sdk.ExitCode, status int32) {
	m.s.MainExited, m.s.MainCode, m.s.MainStatus = true, int32(code), status
	res := m.classify(code, status)
	if res == resOOMKill {
		m.u.Logf("A process of this unit has been killed by the OOM killer.")
	}
	if res != resSuccess {
		m.u.Logf("Main process exited, %s", exec.Describe(int32(code), status))
	}
	switch m.s.Sub {
	case subStart:
		// The main process ended before the service was started: before READY=1, or before its exec (Type=exec).
		switch {
		case m.notifyType() && !m.s.ReadySeen:
			if res == resSuccess {
				res = resProtocol
			}
			m.signal(subStopSigterm, res)
		case res != resSuccess:
			m.signal(subStopSigterm, res)
		default:
			m.startPost()
		}
	case subRunning:
		m.s.Record(res)
		m.running()
	case subStartPost, subReload, subReloadSignal, subReloadNotify:
		m.s.Record(res)
		if m.s.Sub == subReloadSignal || m.s.Sub == subReloadNotify {
			m.running()
		}
	case subStop, subStopWatchdog, subStopSigterm, subStopSigkill, subStopPost, subFinalSigterm, subFinalSigkill:
		if m.s.Sub != subStop && m.s.Sub != subStopPost {
			m.s.Record(res)
		}
		m.maybeGone()
	}
}
