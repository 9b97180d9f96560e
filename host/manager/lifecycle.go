package manager

import (
	"fmt"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/exitstatus"
	"github.com/sysmaster/sysmaster/pkg/virt"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// lifecycle is what the core does when a unit's active state changes or one of its jobs ends (systemd's
// unit_notify and job_finish_and_invalidate): the timestamps, the job engine told, dependency propagation
// (BindsTo=, Upholds=, StopWhenUnneeded=, retroactive starts), OnFailure=/OnSuccess=, the emergency actions,
// start limits, the console's status lines, and the callers of WaitJobs. Plugins only report states; all of
// this is the host's. It belongs to the loop.
type lifecycle struct {
	m *Manager // the units, the job engine and the logs it acts on
	// finished keeps the results of recently finished jobs for WaitJobs callers that come late.
	finished *resultLog
	// waiters are the WaitJobs callers of each running job; answers are the results of the jobs finished in this
	// turn, handed to their callers once the turn is committed (answerWaiters), so that a caller told "done"
	// finds the unit so after a core crash too.
	waiters map[uint64][]chan job.Result
	answers []waitAnswer
	// shutdown is the action ("poweroff", …) once a shutdown target has been reached or a forced emergency
	// action asked for it: the loop ends after the turn and hands it to init.
	shutdown string
}

func newLifecycle(m *Manager) *lifecycle {
	return &lifecycle{m: m, finished: newResultLog(4096), waiters: map[uint64][]chan job.Result{}}
}

// waitAnswer is a job's result for one of its WaitJobs callers.
type waitAnswer struct {
	ch chan job.Result
	r  job.Result
}

// answerWaiters hands the results of the jobs finished since the last commit to their WaitJobs callers. The
// loop calls it after each commit.
func (l *lifecycle) answerWaiters() {
	for _, a := range l.answers {
		a.ch <- a.r
	}
	l.answers = nil
}

// wait returns a channel that yields the result of the running job id.
func (l *lifecycle) wait(id uint64) <-chan job.Result {
	done := make(chan job.Result, 1)
	l.waiters[id] = append(l.waiters[id], done)
	return done
}

// setState applies a plugin's SetState: the generic state, sub-state and result, the timestamps systemctl shows,
// and what the change means for the unit's job.
func (l *lifecycle) setState(u *Unit, s *pb.SetState) {
	m := l.m
	from, to := u.Active, fromPB(s.Active)
	asked := m.engine.Get(u.ID) != nil // a job of u's own is under way: the change is no surprise
	changed := from != to || u.Sub != s.Sub
	if changed {
		defer m.notifyTriggers(u)
	}
	u.Sub = s.Sub
	if s.Result != "" {
		u.Result = s.Result
	}
	if s.StatusText != "" {
		u.StatusText = s.StatusText
	}
	if len(s.Properties) > 0 {
		u.Props = u.Props.with(s.Properties)
	}
	if from == to {
		if changed {
			m.announceUnit(u)
		}
		return
	}
	now := now()
	u.Active = to
	u.times.stateChange = now
	m.queueGC(u)
	wasUp, isUp := isUp(from), isUp(to)
	switch {
	case !wasUp && isUp:
		u.times.inactiveExit = now
	case wasUp && !isUp:
		u.times.inactiveEnter = now
	}
	if to == unit.Active && from != unit.Reloading {
		u.times.activeEnter = now
	}
	if from == unit.Active && to != unit.Reloading {
		u.times.activeExit = now
	}
	if to == unit.Failed && m.engine.Get(u.ID) == nil {
		m.log.Warn("unit failed", "unit", u.ID, "result", u.Result)
	}
	m.announceUnit(u) // before the job it ends: a client hears the state, then JobRemoved, as from systemd
	m.engine.UnitChanged(u.ID, to)
	if wasUp && !isUp {
		m.releasePassed(u)
		m.cleanUp(u)
		l.propagateDown(u)
		for _, name := range job.Reached(graph{m}, u.ID, job.PinsStopWhenUnneeded) {
			l.stopIfUnneeded(m.units[name])
		}
	}
	if to == unit.Active && from != unit.Reloading && !asked {
		l.retroactiveStart(u)
	}
	if to == unit.Active {
		l.stopIfUnneeded(u)
	}
	switch {
	case to == unit.Failed:
		m.unitLogf(u, 4, "%s: Failed with result '%s'.", u.ID, u.Result)
	case to == unit.Inactive && wasUp && (u.Result == "" || u.Result == "success") && !m.passive(u):
		m.unitLogf(u, 6, "%s: Deactivated successfully.", u.ID)
	}
	switch {
	case to == unit.Failed:
		l.triggerOn(u, "OnFailure", u.Frag.Unit.OnFailureJobMode)
		l.emergencyAction(u, "FailureAction", u.Frag.Unit.FailureAction)
	case to == unit.Inactive && wasUp && (u.Result == "" || u.Result == "success"):
		l.triggerOn(u, "OnSuccess", u.Frag.Unit.OnSuccessJobMode)
		l.emergencyAction(u, "SuccessAction", u.Frag.Unit.SuccessAction)
	}
}

// propagateDown reacts to u going down: units bound to it (BindsTo=) are stopped, and a unit that an active unit
// upholds (Upholds=) is started again. Nothing happens for what a job asked for (a stop of u already stopped its
// bound units in its transaction, and upheld units are only restarted when they went down unasked).
func (l *lifecycle) propagateDown(u *Unit) {
	m := l.m
	for _, name := range job.Reached(graph{m}, u.ID, job.RetroactiveStopOnStop) {
		b := m.units[name]
		if b == nil || !isUp(b.Active) || m.engine.Get(b.ID) != nil {
			continue
		}
		m.log.Info("unit is bound to a unit that went down, stopping it", "unit", b.ID, "bound_to", u.ID)
		if _, err := m.enqueue(b, job.Stop, job.Replace, false); err != nil {
			m.log.Error("cannot stop bound unit", "unit", b.ID, "error", err)
		}
	}
	if j := m.engine.Get(u.ID); j != nil && j.Type == job.Stop {
		return
	}
	for _, name := range job.Reached(graph{m}, u.ID, job.StartedSteadilyBy) {
		if h := m.units[name]; h != nil && h.isActive() {
			m.log.Info("unit is upheld, starting it again", "unit", u.ID, "upheld_by", h.ID)
			if _, err := m.enqueue(u, job.Start, job.Replace, false); err != nil {
				m.log.Error("cannot start upheld unit", "unit", u.ID, "error", err)
			}
			return
		}
	}
}

// retroactiveStart reacts to u becoming active without a job of its own (systemd's
// retroactively_start_dependencies): what it requires or is bound to is started, what it wants is started unless
// that conflicts with queued jobs, and what it conflicts with is stopped.
func (l *lifecycle) retroactiveStart(u *Unit) {
	m := l.m
	g := graph{m}
	for _, step := range []struct {
		atom job.Atom
		typ  job.Type
		mode job.Mode
	}{
		{job.RetroactiveStartReplace, job.Start, job.Replace},
		{job.RetroactiveStartFail, job.Start, job.Fail},
		{job.RetroactiveStopOnStart, job.Stop, job.Replace},
	} {
		for _, name := range job.Reached(g, u.ID, step.atom) {
			d := m.units[name]
			if d == nil || (step.typ == job.Start) == isUp(d.Active) || m.engine.Get(d.ID) != nil {
				continue // already where it should be, or on its way
			}
			if step.typ == job.Start && len(m.devices.found[d.ID]) > 0 {
				continue // a device the mount table or the swaps name is tentative (activating), or on its way there
			}
			m.log.Info("unit became active by itself; acting on its dependencies", "unit", u.ID, "target", d.ID, "job", step.typ.String())
			if _, err := m.enqueue(d, step.typ, step.mode, false); err != nil {
				m.log.Warn("cannot act on a dependency", "unit", u.ID, "target", d.ID, "error", err)
			}
		}
	}
}

// stopIfUnneeded stops u when it has StopWhenUnneeded=yes and no unit that is up, or has a job, depends on it.
func (l *lifecycle) stopIfUnneeded(u *Unit) {
	m := l.m
	if u == nil || u.Frag == nil || !u.Frag.Unit.StopWhenUnneeded || !isUp(u.Active) || m.engine.Get(u.ID) != nil {
		return
	}
	for _, name := range job.Reached(graph{m}, u.ID, job.Needs) {
		if d := m.units[name]; d != nil && (isUp(d.Active) || m.engine.Get(d.ID) != nil) {
			return
		}
	}
	m.log.Info("unit is not needed anymore, stopping it", "unit", u.ID)
	if _, err := m.enqueue(u, job.Stop, job.Replace, false); err != nil {
		m.log.Error("cannot stop unneeded unit", "unit", u.ID, "error", err)
	}
}

// triggerOn starts the units named by u's OnFailure= or OnSuccess= with the job mode the unit configured.
func (l *lifecycle) triggerOn(u *Unit, kind, mode string) {
	m := l.m
	for _, name := range u.deps.get(kind) {
		jm, err := job.ParseMode(mode)
		if err == nil {
			_, err = m.enqueue(m.units[name], job.Start, jm, false)
		}
		if err != nil {
			m.log.Error("cannot start the "+kind+"= unit", "unit", u.ID, "target", name, "error", err)
		} else {
			m.log.Info("triggering "+kind+"= dependency", "unit", u.ID, "target", name)
		}
	}
}

// startLimitHit records a start and reports whether it is one too many within StartLimitIntervalSec= (0 for the
// interval or the burst disables the limit). reset-failed forgets the record.
func (l *lifecycle) startLimitHit(u *Unit) bool {
	interval, burst := u.Frag.Unit.StartLimitInterval, u.Frag.Unit.StartLimitBurst
	if interval <= 0 || burst <= 0 {
		return false
	}
	now := time.Now()
	kept := u.starts[:0]
	for _, t := range u.starts {
		if now.Sub(t) < interval {
			kept = append(kept, t)
		}
	}
	u.starts = kept
	if len(u.starts) >= burst {
		return true
	}
	u.starts = append(u.starts, now)
	return false
}

// emergencyAction carries out SuccessAction=, FailureAction=, StartLimitAction= or JobTimeoutAction= (man
// systemd.unit). poweroff, reboot and halt bring the system down in order. The -force variants skip the
// ordered stop: the core ends at once and hands the action to init, whose final stage kills what is left, syncs
// and calls reboot(2); -immediate does the same here (init still kills and syncs: it never loses data to save a
// second). exit ends the system manager: in a container that ends the container with the manager's ExitCode, on
// a real boot systemd powers off instead, and so does sysmaster. kexec executes the kernel loaded with kexec --load, as
// systemd's, and reboots when none is loaded; soft-reboot reboots: sysmaster does not restart userspace alone.
func (l *lifecycle) emergencyAction(u *Unit, setting, action string) {
	m := l.m
	base, force := action, false
	for _, suffix := range []string{"-immediate", "-force"} {
		if b, ok := strings.CutSuffix(action, suffix); ok {
			base, force = b, true
		}
	}
	switch base {
	case "", "none":
		return
	case "exit":
		if !virt.Container() {
			base = "poweroff"
		} else if st := actionExitStatus(u, setting); st >= 0 {
			m.options.ExitCode, m.reloadsDirty = uint8(st), true // options.go: checkpointed with the settings
		}
	case "kexec", "soft-reboot":
		if base == "kexec" && kexecKernelLoaded() { // options.go
			break
		}
		m.log.Warn(base+" is not possible; rebooting instead", "unit", u.ID, "setting", setting)
		base = "reboot"
	case "poweroff", "reboot", "halt":
	default:
		m.log.Error(setting+" has an unknown action; ignoring it", "unit", u.ID, "action", action)
		return
	}
	m.log.Warn(setting+" of the unit brings the system down", "unit", u.ID, "action", action)
	m.unitLogf(u, 2, "%s: %s=%s, bringing the system down.", u.ID, setting, action)
	if force {
		l.shutdown = base
		return
	}
	if err := m.beginShutdown(base); err != nil {
		m.log.Error("cannot carry out "+setting, "unit", u.ID, "action", action, "error", err)
	}
}

// actionExitStatus is the exit status an exit action hands to the container's manager, systemd's
// unit_success_action_exit_status and unit_failure_action_exit_status: the unit's SuccessActionExitStatus= or
// FailureActionExitStatus= when set, else the exit status of its last main process (255 when a signal ended
// it), else -1, which leaves the manager's ExitCode as it is; StartLimitAction= and JobTimeoutAction= carry none.
func actionExitStatus(u *Unit, setting string) int {
	var n int
	switch setting {
	case "SuccessAction":
		n = u.Frag.Unit.SuccessActionExitStatus
	case "FailureAction":
		n = u.Frag.Unit.FailureActionExitStatus
	default:
		return -1
	}
	switch {
	case n >= 0:
		return n
	case u.execMain.pid <= 0 || u.execMain.exit.wall == 0:
		return -1
	case u.execMain.code != exitstatus.Exited:
		return 255
	}
	return u.execMain.status
}

// jobFinished prints systemd's status line, wakes WaitJobs callers and notices the shutdown targets.
func (l *lifecycle) jobFinished(j *job.Job, r job.Result) {
	m := l.m
	l.finished.add(j, r)
	m.announceJobRemoved(j, r)
	for _, ch := range l.waiters[j.ID] {
		l.answers = append(l.answers, waitAnswer{ch, r})
	}
	delete(l.waiters, j.ID)
	u := m.units[j.Unit]
	if u == nil {
		return
	}
	m.queueGC(u)
	m.markDirty(u)
	if line := statusLine(u, j.Type, r); line != "" && !j.Noop {
		fmt.Fprintln(m.console, line)
		// The unit's log gets the line without its console tag, as the journal does.
		m.unitLogf(u, 6, "%s", strings.TrimSpace(line[strings.IndexByte(line, ']')+1:]))
	}
	if !isUp(u.Active) {
		if j.Type == job.Start && r != job.Done && len(u.rareOf().triggeredBy) > 0 {
			// A handed-over connection whose instance never came up: close it.
			m.releasePassed(u)
		}
		// The units that trigger u hear that its job ended with u down, as systemd tells them whenever u loses a
		// job (unit_trigger_notify, job_finish_and_invalidate): a start its condition skipped, a stop of a start job still
		// waiting. A path unit then looks again, a timer learns that the run ended; a socket whose connection's
		// instance never came up frees it.
		m.notifyTriggers(u)
	}
	if j.Type == job.Start && r == job.Done {
		if action, ok := shutdownTargets[u.ID]; ok {
			l.shutdown = action
		}
	}
}

// shutdownTargets are the targets whose activation ends the manager and hands the final step to init.
var shutdownTargets = map[string]string{"poweroff.target": "poweroff", "reboot.target": "reboot", "halt.target": "halt",
	"kexec.target": "kexec", "exit.target": "exit"}

// statusLine is what systemd prints on the console when a job ends (job_emit_done_message).
func statusLine(u *Unit, t job.Type, r job.Result) string {
	name := u.ID
	if d := u.description(); d != u.ID {
		name += " - " + d
	}
	isTarget := u.Type == "target"
	switch {
	case t == job.Start && r == job.Done && isTarget:
		return "[  OK  ] Reached target " + name + "."
	case t == job.Start && r == job.Done && u.Active == unit.Inactive:
		return "[  OK  ] Finished " + name + "."
	case t == job.Start && r == job.Done:
		return "[  OK  ] Started " + name + "."
	case t == job.Start && r == job.Failed:
		return "[FAILED] Failed to start " + name + "."
	case t == job.Start && r == job.Dependency:
		return "[DEPEND] Dependency failed for " + name + "."
	case t == job.Start && r == job.Timeout:
		return "[ TIME ] Timed out starting " + name + "."
	case t == job.Stop && r == job.Done && isTarget:
		return "[  OK  ] Stopped target " + name + "."
	case t == job.Stop && r == job.Done:
		return "[  OK  ] Stopped " + name + "."
	case t == job.Stop && r == job.Failed:
		return "[FAILED] Stopped " + name + "."
	case t == job.Reload && r == job.Done:
		return "[  OK  ] Reloaded " + name + "."
	case t == job.Reload && r == job.Failed:
		return "[FAILED] Reload failed for " + name + "."
	}
	return ""
}

// finishedJob is what is remembered of a job after it ended.
type finishedJob struct {
	unit, typ string
	result    job.Result
}

// resultLog remembers the last n finished jobs, for WaitJobs callers that come after the end.
type resultLog struct {
	n     int
	order []uint64
	res   map[uint64]finishedJob
}

func newResultLog(n int) *resultLog { return &resultLog{n: n, res: map[uint64]finishedJob{}} }

func (l *resultLog) add(j *job.Job, r job.Result) {
	if len(l.order) == l.n {
		delete(l.res, l.order[0])
		l.order = l.order[1:]
	}
	l.order = append(l.order, j.ID)
	l.res[j.ID] = finishedJob{unit: j.Unit, typ: j.Type.String(), result: r}
}

func (l *resultLog) get(id uint64) (finishedJob, bool) {
	f, ok := l.res[id]
	return f, ok
}
