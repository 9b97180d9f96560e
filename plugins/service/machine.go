package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/sysmaster/sysmaster/sdk/exec"
	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/sdk"
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

// machine is one event being applied to one service: systemd's service state machine (src/core/service.c in
// spirit), with every process, signal and timer carried out by the host through actions.
type machine struct {
	c  *Config
	s  *State
	u  *sdk.Unit
	rt *sdk.Runtime

	oomKilled bool // the exit being handled was the OOM killer's
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

func (m *machine) notifyType() bool { return m.c.Type == "notify" || m.c.Type == "notify-reload" }

// enter moves to sub and reports it, with the properties only this plugin knows.
func (m *machine) enter(sub string) {
	m.s.Sub = sub
	result := m.s.Result
	if result == "" {
		result = resSuccess
	}
	m.u.Report(&sdk.StateReport{
		Active: activeOf[sub], Sub: sub, Result: result, StatusText: m.s.StatusText,
		Properties: map[string]string{
			"NRestarts":    strconv.FormatUint(uint64(m.s.NRestarts), 10),
			"StatusErrno":  strconv.Itoa(m.s.StatusErrno),
			"ReloadResult": orSuccess(m.s.ReloadResult),
		},
	})
}

func orSuccess(r string) string {
	if r == "" {
		return resSuccess
	}
	return r
}

// record keeps the first failure: a later success does not hide it.
func (m *machine) record(res string) {
	if m.s.Result == "" || m.s.Result == resSuccess {
		m.s.Result = res
	}
}

func (m *machine) armPhase(usec uint64) {
	if usec == 0 {
		m.u.DisarmTimer(timerPhase)
		return
	}
	m.u.ArmTimer(timerPhase, usec)
}

// run enters sub-state sub (unless empty) and spawns command i of phase; false when there is no such command.
// The sub-state is entered first: when the command cannot be spawned (an environment file is missing) the
// failure moves the service on from it, and nothing may enter the phase's sub-state after that.
func (m *machine) run(phase string, i int, sub string) bool {
	cmds := m.commands(phase)
	if i >= len(cmds) {
		return false
	}
	if sub != "" {
		m.enter(sub)
	}
	cmd := cmds[i]
	m.s.Phase, m.s.Index = phase, i
	role := sdk.RoleControl
	if phase == phaseStart && m.c.Type != "forking" {
		role = sdk.RoleMain
	}
	ec, argv, err := m.c.SpawnContext(cmd, m.extraEnv(phase), m.c.NoCapabilities)
	if err != nil {
		m.u.Logf("Failed to load environment files: %v", err)
		m.u.Report(&sdk.StateReport{Active: activeOf[m.s.Sub], Sub: m.s.Sub})
		m.s.Phase = ""
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
	fds, names := m.passFds(phase)
	m.u.Spawn(&sdk.Spawn{
		Id: fmt.Sprintf("%s/%d", phase, i), Role: role, Path: cmd.Path, Argv: argv, Exec: ec,
		Cgroup: m.c.Cgroup, NotifySocket: m.notifyAccess() != "none",
		Fds: fds, FdNames: names,
	})
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
	return m.rt.GetFds(), m.rt.GetFdNames()
}

// extraEnv is what systemd adds for a phase: MAINPID once there is a main process, the stop variables for
// ExecStop= and ExecStopPost=.
func (m *machine) extraEnv(phase string) []string {
	var env []string
	if id := m.rt.GetInvocationId(); id != "" {
		env = append(env, "INVOCATION_ID="+id)
	}
	if pid := m.rt.GetMainPid(); pid > 0 && phase != phaseStart {
		env = append(env, "MAINPID="+strconv.FormatInt(pid, 10))
	}
	if m.c.WatchdogUSec > 0 && phase == phaseStart {
		env = append(env, "WATCHDOG_USEC="+strconv.FormatUint(m.c.WatchdogUSec, 10))
	}
	if phase == phaseStop || phase == phaseStopPost {
		env = append(env, "SERVICE_RESULT="+orSuccess(m.s.Result))
		if m.s.MainExited {
			code, status := exitCodeName(m.s.MainCode), strconv.Itoa(int(m.s.MainStatus))
			if m.s.MainCode != 1 {
				status = strings.TrimPrefix(signame.Name(int(m.s.MainStatus)), "SIG")
			}
			env = append(env, "EXIT_CODE="+code, "EXIT_STATUS="+status)
		}
	}
	return env
}

// start begins ExecCondition=, ExecStartPre=, ExecStart=, … from a dead, failed or auto-restart service.
func (m *machine) start() {
	queued := m.s.RestartQueued
	n := m.s.NRestarts
	if queued {
		n++
	} else {
		n = 0
	}
	*m.s = State{NRestarts: n, Result: resSuccess}
	m.u.DisarmTimer(timerRestart)
	m.u.DisarmTimer(timerWatchdog)
	m.armPhase(m.c.TimeoutStartUSec)
	if m.run(phaseCondition, 0, subCondition) {
		return
	}
	m.startPre()
}

func (m *machine) startPre() {
	if m.run(phaseStartPre, 0, subStartPre) {
		return
	}
	m.startMain()
}

func (m *machine) startMain() {
	if len(m.c.ExecStart) == 0 {
		// Type=oneshot without ExecStart= (RemainAfterExit= units that only have ExecStop=, say).
		m.s.MainExited = true
		m.startPost()
		return
	}
	m.run(phaseStart, 0, subStart)
}

func (m *machine) startPost() {
	m.armPhase(m.c.TimeoutStartUSec)
	if m.run(phaseStartPost, 0, subStartPost) {
		return
	}
	m.running()
}

// running settles a started service: running while its main process (or, without one, its cgroup) lives,
// exited with RemainAfterExit=, otherwise it stops as systemd does when the main process ended by itself.
func (m *machine) running() {
	m.s.Phase = ""
	alive := !m.s.MainExited && (m.rt.GetMainPid() > 0 || !m.s.CgroupEmpty)
	switch {
	case alive:
		m.armPhase(m.c.RuntimeMaxUSec)
		m.armWatchdog()
		m.enter(subRunning)
	case m.c.RemainAfterExit && m.s.Result == resSuccess:
		m.u.DisarmTimer(timerPhase)
		m.enter(subExited)
	default:
		m.stop(resSuccess)
	}
}

func (m *machine) armWatchdog() {
	if m.c.WatchdogUSec > 0 {
		m.u.ArmTimer(timerWatchdog, m.c.WatchdogUSec)
	}
}

// stop runs ExecStop=, then signals what is left.
func (m *machine) stop(res string) {
	m.record(res)
	m.u.DisarmTimer(timerWatchdog)
	m.armPhase(m.c.TimeoutStopUSec)
	if m.run(phaseStop, 0, subStop) {
		return
	}
	m.signal(subStopSigterm, resSuccess)
}

// signal enters one of the killing sub-states: what is left of the service gets the signal KillMode= and the
// sub-state ask for, with a timeout; when nothing is left it goes straight on.
func (m *machine) signal(sub, res string) {
	m.record(res)
	m.s.Phase = ""
	if m.gone(sub) || m.c.KillMode == "none" {
		// Nothing to wait for: with KillMode=none nothing is signalled, so systemd goes on at once (the
		// processes stay).
		m.afterSignal(sub)
		return
	}
	sig, all := m.killSignal(sub)
	if sig != 0 {
		mode := m.c.KillMode
		switch {
		case mode == "process" || (mode == "mixed" && !all):
			m.u.Kill(sdk.WhomMain, sig)
			m.u.Kill(sdk.WhomControl, sig)
		default:
			m.u.KillWith(&sdk.KillAction{Whom: sdk.WhomAll, Signal: int32(sig), AlsoSighup: m.c.SendSIGHUP && !all})
		}
	}
	timeout := m.c.TimeoutStopUSec
	if sub == subStopWatchdog {
		timeout = m.c.TimeoutAbortUSec
	}
	m.armPhase(timeout)
	m.enter(sub)
}

// killSignal is the signal of a killing sub-state, and whether it goes to the whole cgroup even with
// KillMode=mixed (SIGKILL does).
func (m *machine) killSignal(sub string) (int, bool) {
	switch sub {
	case subStopWatchdog:
		return m.c.WatchdogSignal, false
	case subStopSigterm, subFinalSigterm:
		if m.s.RestartQueued && m.c.RestartKillSignal != 0 {
			return m.c.RestartKillSignal, false
		}
		return m.c.KillSignal, false
	case subStopSigkill, subFinalSigkill:
		return m.c.FinalKillSignal, true
	}
	return 0, false
}

// afterSignal is where a killing sub-state leads once nothing is left (or its timeout passed).
func (m *machine) afterSignal(sub string) {
	switch sub {
	case subStopWatchdog, subStopSigterm, subStopSigkill:
		m.stopPost()
	case subFinalSigterm:
		// KillMode=mixed: the main process is gone; what remains of the cgroup gets SIGKILL now, as systemd
		// does when final-sigterm has nothing to wait for.
		if m.c.KillMode == "mixed" && !m.s.CgroupEmpty && m.c.SendSIGKILL {
			m.signal(subFinalSigkill, resSuccess)
			return
		}
		m.dead()
	default:
		m.dead()
	}
}

// gone reports whether nothing of the service runs any more, as far as KillMode= cares.
func (m *machine) gone(sub string) bool {
	if m.rt.GetMainPid() > 0 && !m.s.MainExited || m.rt.GetControlPid() > 0 || m.s.Phase != "" {
		return false
	}
	switch m.c.KillMode {
	case "control-group", "":
		return m.s.CgroupEmpty
	case "mixed":
		// Only the SIGKILL states signal the whole cgroup and wait for it; before them the main process is
		// all there is to wait for, and the rest gets SIGKILL in final-sigkill (see afterSignal).
		if sub == subStopSigkill || sub == subFinalSigkill {
			return m.s.CgroupEmpty
		}
	}
	return true
}

func (m *machine) stopPost() {
	m.armPhase(m.c.TimeoutStopUSec)
	if m.run(phaseStopPost, 0, subStopPost) {
		return
	}
	m.signal(subFinalSigterm, resSuccess)
}

// dead ends the service: failed or dead, and, when Restart= says so, auto-restart after RestartSec=.
func (m *machine) dead() {
	m.s.Phase = ""
	m.u.DisarmTimer(timerPhase)
	m.u.DisarmTimer(timerWatchdog)
	sub := subDead
	if m.s.Result != resSuccess {
		sub = subFailed
	}
	restart := m.shouldRestart()
	m.enter(sub)
	if restart {
		delay := m.restartDelay()
		m.u.ArmTimer(timerRestart, max(delay, 1))
		m.enter(subAutoRestart)
	}
}

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
	r := m.s.Result
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

func (m *machine) exitIn(set ExitStatusSet) bool {
	if m.s.MainCode == 1 {
		for _, st := range set.Statuses {
			if int32(st) == m.s.MainStatus {
				return true
			}
		}
		return false
	}
	for _, sig := range set.Signals {
		if int32(sig) == m.s.MainStatus {
			return true
		}
	}
	return false
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

// classify tells how a main process ended: success, or the result it means.
func (m *machine) classify(code, status int32) string {
	if m.oomKilled {
		return resOOMKill
	}
	switch code {
	case 1: // exited
		if status == 0 || intIn(int(status), m.c.SuccessExitStatus.Statuses) {
			return resSuccess
		}
		return resExitCode
	case 2: // killed
		switch syscall.Signal(status) {
		case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE:
			return resSuccess
		}
		if intIn(int(status), m.c.SuccessExitStatus.Signals) {
			return resSuccess
		}
		return resSignal
	}
	return resCoreDump
}

func intIn(v int, set []int) bool {
	for _, x := range set {
		if x == v {
			return true
		}
	}
	return false
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

// controlExited is the end of a control command (or, for oneshot and the main start command, the main one).
func (m *machine) commandExited(id string, code, status int32, main bool) {
	phase, idx, ok := strings.Cut(id, "/")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || phase != m.s.Phase || i != m.s.Index {
		return // a command of an earlier run, killed since
	}
	cmds := m.commands(phase)
	if i >= len(cmds) {
		return
	}
	cmd := cmds[i]
	res := resSuccess
	if main {
		res = m.classify(code, status)
	} else if !(code == 1 && status == 0) {
		res = m.classify(code, status)
		if res == resSuccess {
			res = resSignal // a control process killed by SIGTERM failed all the same
		}
	}
	if res != resSuccess && cmd.IgnoreFailure {
		res = resSuccess
	}
	m.s.Phase = ""
	if phase == phaseCondition && res != resSuccess && code == 1 && status < 255 {
		m.u.Logf("Skipped due to 'exec-condition'.")
		m.s.Stopping = true // no restart: the condition said no
		m.signal(subStopSigterm, resSuccess)
		return
	}
	if res != resSuccess {
		m.u.Logf("%s (%s) %s", phaseKey(phase), cmd.Path, describe(code, status))
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

// adoptDaemon finds a forking service's main process: PIDFile=, else the host's guess (SetMainPid 0).
func (m *machine) adoptDaemon() {
	if m.c.PIDFile != "" {
		b, err := os.ReadFile(m.c.PIDFile)
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if err == nil && perr == nil && pid > 1 {
			m.u.SetMainPid(int64(pid))
			return
		}
		m.u.Logf("PID file %s not readable (yet?) after start: %v", m.c.PIDFile, firstErr(err, perr))
	}
	if m.c.GuessMainPID {
		m.u.SetMainPid(0)
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// mainExited is the end of the main process outside the start phase's own bookkeeping.
func (m *machine) mainExited(code, status int32) {
	m.s.MainExited, m.s.MainCode, m.s.MainStatus = true, code, status
	res := m.classify(code, status)
	if res == resOOMKill {
		m.u.Logf("A process of this unit has been killed by the OOM killer.")
	}
	if res != resSuccess {
		m.u.Logf("Main process exited, %s", describe(code, status))
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
		m.record(res)
		m.running()
	case subStartPost, subReload, subReloadSignal, subReloadNotify:
		m.record(res)
		if m.s.Sub == subReloadSignal || m.s.Sub == subReloadNotify {
			m.running()
		}
	case subStop, subStopWatchdog, subStopSigterm, subStopSigkill, subStopPost, subFinalSigterm, subFinalSigkill:
		if m.s.Sub != subStop && m.s.Sub != subStopPost {
			m.record(res)
		}
		m.maybeGone()
	}
}

// maybeGone moves a killing sub-state on when the last process ended.
func (m *machine) maybeGone() {
	switch m.s.Sub {
	case subStopWatchdog, subStopSigterm, subStopSigkill, subFinalSigterm, subFinalSigkill:
		if m.gone(m.s.Sub) {
			m.afterSignal(m.s.Sub)
		}
	}
}

func phaseKey(phase string) string {
	switch phase {
	case phaseCondition:
		return "ExecCondition"
	case phaseStartPre:
		return "ExecStartPre"
	case phaseStart:
		return "ExecStart"
	case phaseStartPost:
		return "ExecStartPost"
	case phaseReload:
		return "ExecReload"
	case phaseStop:
		return "ExecStop"
	}
	return "ExecStopPost"
}

func describe(code, status int32) string { return exec.Describe(code, status) }

func exitCodeName(code int32) string { return exec.ExitCodeName(code) }
