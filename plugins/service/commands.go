package service

import (
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// Phases: the command lists, named as the ids of their spawns ("start-pre/0", "stop/1", …).
const (
	phaseCondition = "condition"
	phaseStartPre  = "start-pre"
	phaseStart     = "start"
	phaseStartPost = "start-post"
	phaseReload    = "reload"
	phaseStop      = "stop"
	phaseStopPost  = "stop-post"
)

// phaseKeys are the directives of the phases, for messages.
var phaseKeys = map[string]string{
	phaseCondition: "ExecCondition", phaseStartPre: "ExecStartPre", phaseStart: "ExecStart",
	phaseStartPost: "ExecStartPost", phaseReload: "ExecReload", phaseStop: "ExecStop", phaseStopPost: "ExecStopPost",
}

func (m *machine) commands(phase string) []Command {
	switch phase {
	case phaseCondition:
		return m.c.ExecCondition
	case phaseStartPre:
		return m.c.ExecStartPre
	case phaseStart:
		return m.c.ExecStart
	case phaseStartPost:
		return m.c.ExecStartPost
	case phaseReload:
		return m.c.ExecReload
	case phaseStop:
		return m.c.ExecStop
	case phaseStopPost:
		return m.c.ExecStopPost
	}
	return nil
}

// run enters sub-state sub (unless empty) and spawns command i of phase; false when there is no such command.
// The sub-state is entered first: when the command cannot be spawned (an environment file is missing) the
// failure moves the service on from it, and nothing may enter the phase's sub-state after that.
func (m *machine) run(phase string, i int, sub string) bool {
	if i >= len(m.commands(phase)) {
		return false
	}
	if sub != "" {
		m.enter(sub)
	}
	role := sdk.RoleControl
	if phase == phaseStart && m.c.Type != "forking" {
		role = sdk.RoleMain
	}
	fds, names := m.passFds(phase)
	_, err := m.r.Run(phase, i, control.Process{
		Role: role, Env: m.extraEnv(phase), Fds: fds, FdNames: names, NotifySocket: m.notifyAccess() != "none",
	})
	if err != nil {
		m.u.Logf("Failed to load environment files: %v", err)
		m.u.Report(&sdk.StateReport{Active: activeOf[m.s.Sub], Sub: m.s.Sub})
		m.failed(phase, resResources)
		return true
	}
	m.s.CgroupEmpty = false
	if role == sdk.RoleMain {
		m.s.MainExited = false
		if m.c.Type != "oneshot" {
			m.s.Phase = "" // the main process is followed through MainExited, not as a command
		}
	}
	return true
}

// passFds is the fds a command of phase gets: systemd passes the socket fds (with LISTEN_FDS=) to ExecStart=
// only (EXEC_PASS_FDS), and to the other commands only when their standard input or output is the socket,
// which needs them.
func (m *machine) passFds(phase string) ([]string, []string) {
	x := m.c.Exec
	if phase != phaseStart && (x == nil || x.StandardInput != "socket" && x.StandardOutput != "socket" && x.StandardError != "socket") {
		return nil, nil
	}
	return m.rt.Fds, m.rt.FdNames
}

// extraEnv is what systemd adds for a phase besides INVOCATION_ID: MAINPID once there is a main process, the
// stop variables for ExecStop= and ExecStopPost=.
func (m *machine) extraEnv(phase string) []string {
	var env []string
	if pid := m.rt.MainPid; pid > 0 && phase != phaseStart {
		env = append(env, "MAINPID="+strconv.FormatInt(pid, 10))
	}
	if m.c.WatchdogUSec > 0 && phase == phaseStart {
		env = append(env, "WATCHDOG_USEC="+strconv.FormatUint(m.c.WatchdogUSec, 10))
	}
	if phase == phaseStop || phase == phaseStopPost {
		env = append(env, "SERVICE_RESULT="+m.s.ResultName())
		if m.s.MainExited {
			code, status := exec.ExitCodeName(m.s.MainCode), strconv.Itoa(int(m.s.MainStatus))
			if m.s.MainCode != int32(sdk.Exited) {
				status = strings.TrimPrefix(signame.Name(int(m.s.MainStatus)), "SIG")
			}
			env = append(env, "EXIT_CODE="+code, "EXIT_STATUS="+status)
		}
	}
	return env
}

// failed is the end of a command that failed in phase: the way out systemd takes from there.
func (m *machine) failed(phase, res string) {
	switch phase {
	case phaseCondition, phaseStartPre, phaseStart:
		m.signal(subStopSigterm, res)
	case phaseStartPost:
		m.stop(res)
	case phaseReload:
		m.s.ReloadResult = res
		m.running()
	case phaseStop:
		m.signal(subStopSigterm, res)
	case phaseStopPost:
		m.signal(subFinalSigterm, res)
	}
}

// commandExited is the end of a control command (or, for oneshot, of the main one): the next command of its
// phase, or the next phase.
func (m *machine) commandExited(id string, code sdk.ExitCode, status int32, main bool) {
	phase, i, cmd, ok := m.r.Done(id)
	if !ok {
		return // a command of an earlier run, killed since
	}
	var res string
	if main {
		res = m.classify(code, status)
	} else if res = control.Outcome(code, status); res != resSuccess && m.oomKilled {
		res = resOOMKill
	}
	if res != resSuccess && cmd.IgnoreFailure {
		res = resSuccess
	}
	if phase == phaseCondition && res != resSuccess && code == sdk.Exited && status < 255 {
		m.u.Logf("Skipped due to 'exec-condition'.")
		m.s.Stopping = true // no restart: the condition said no
		m.signal(subStopSigterm, resSuccess)
		return
	}
	if res != resSuccess {
		m.u.Logf("%s (%s) %s", phaseKeys[phase], cmd.Path, exec.Describe(int32(code), status))
		m.failed(phase, res)
		return
	}
	if m.run(phase, i+1, "") {
		return
	}
	switch phase {
	case phaseCondition:
		m.startPre()
	case phaseStartPre:
		m.startMain()
	case phaseStart: // forking's parent or oneshot's last command
		if m.c.Type == "forking" {
			m.adoptDaemon()
		} else {
			m.s.MainExited = true
		}
		m.startPost()
	case phaseStartPost:
		m.running()
	case phaseReload:
		m.s.ReloadResult = resSuccess
		m.running()
	case phaseStop:
		m.signal(subStopSigterm, resSuccess)
	case phaseStopPost:
		m.signal(subFinalSigterm, resSuccess)
	}
}
