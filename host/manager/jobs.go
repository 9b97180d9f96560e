package manager

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/host/condition"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// enqueue checks what the unit allows and installs the transaction. manual marks a user's request, to which
// RefuseManualStart= and RefuseManualStop= apply.
func (m *Manager) enqueue(u *Unit, t job.Type, mode job.Mode, manual bool) ([]*job.Job, error) {
	if t != job.Stop {
		if err := loadError(u); err != nil {
			if u.LoadState == unit.NotFound {
				return nil, errdefs.NotFound(err)
			}
			return nil, errdefs.FailedPrecondition(err)
		}
	} else if u.LoadState != unit.Loaded && !isUp(u.Active) {
		return nil, errdefs.NotFound(fmt.Errorf("Unit %s not loaded.", u.ID))
	}
	if manual && u.Frag != nil {
		if (t == job.Stop && u.Frag.Unit.RefuseManualStop) || (t != job.Stop && u.Frag.Unit.RefuseManualStart) {
			return nil, errdefs.FailedPrecondition(fmt.Errorf("Operation refused, unit %s may be requested by dependency only (it is configured to refuse manual start/stop).", u.ID))
		}
	}
	if t == job.Reload && !m.canReload(u) {
		return nil, errdefs.InvalidArgument(fmt.Errorf("Job type reload is not applicable for unit %s.", u.ID))
	}
	if mode == job.Isolate && (u.Frag == nil || !u.Frag.Unit.AllowIsolate) {
		return nil, errdefs.FailedPrecondition(fmt.Errorf("Operation refused, unit %s may not be isolated.", u.ID))
	}
	jobs, err := m.engine.Enqueue(u.ID, t, mode)
	for _, j := range jobs {
		m.markDirty(m.units[j.Unit])
		m.armJobTimeout(j, false)
	}
	return jobs, err
}

// armJobTimeout starts JobTimeoutSec= when a job is installed, or JobRunningTimeoutSec= when it starts running.
// When it fires on a job still installed, the job ends with result timeout and JobTimeoutAction= is carried out;
// the unit itself is left to its own timeouts, as in systemd.
func (m *Manager) armJobTimeout(j *job.Job, running bool) {
	u := m.units[j.Unit]
	if u == nil || u.Frag == nil {
		return
	}
	d := u.Frag.Unit.JobTimeout
	if running {
		d = u.Frag.Unit.JobRunningTimeout
	}
	if d <= 0 || d == timespan.Infinity {
		return
	}
	m.timers.armJob(jobTimerKey{j.ID, running}, d, func() {
		if m.engine.ByID(j.ID) != j {
			return
		}
		m.log.Warn("job timed out", "unit", u.ID, "job", j.ID, "type", j.Type.String())
		m.engine.Finish(j, job.Timeout)
		m.emergencyAction(u, "JobTimeoutAction", u.Frag.Unit.JobTimeoutAction)
	})
}

// enqueueFor carries out a plugin's EnqueueJob (a socket starting its service).
func (m *Manager) enqueueFor(from *Unit, e *pb.EnqueueJob) {
	fds, err := takeFds(from, e.Fds)
	var t job.Type
	if err == nil {
		t, err = job.ParseType(e.Type)
	}
	if err == nil {
		var mode job.Mode
		if mode, err = job.ParseMode(e.Mode); err == nil {
			to := m.load(e.Unit)
			var jobs []*job.Job
			if jobs, err = m.enqueue(to, t, mode, false); err == nil && len(fds) > 0 {
				m.passFds(from, to, fds)
				fds = nil
			}
			for _, j := range jobs {
				if j.Unit == to.ID && len(e.Env) > 0 {
					j.Env = append([]string(nil), e.Env...)
				}
			}
		}
	}
	if err != nil {
		for _, f := range fds {
			m.closeHeld(from, f)
		}
		m.log.Error("cannot enqueue job asked for by unit", "unit", from.ID, "target", e.Unit, "type", e.Type, "error", err)
		m.send(from, &pb.Event{Kind: &pb.Event_EnqueueFailed{EnqueueFailed: &pb.EnqueueFailed{Unit: e.Unit, Type: e.Type, Message: err.Error()}}})
	}
}

func (m *Manager) canReload(u *Unit) bool { return u.Annotations["CanReload"] == "yes" }

// runJobs starts every job that may run now. It reports whether it did anything.
func (m *Manager) runJobs() bool {
	ran := false
	for _, j := range m.engine.Runnable() {
		ran = true
		m.runJob(j, m.units[j.Unit])
	}
	return ran
}

func (m *Manager) runJob(j *job.Job, u *Unit) {
	m.markDirty(u)
	finish := func(r job.Result) { m.engine.Finish(j, r) }
	noop := func() { j.Noop = true; m.engine.Finish(j, job.Done) }
	switch j.Type {
	case job.Nop:
		noop()
	case job.Start:
		switch {
		case u.isActive():
			noop()
		case loadError(u) != nil:
			m.log.Error("cannot start unit", "unit", u.ID, "error", loadError(u))
			finish(job.Failed)
		case u.Active == unit.Activating:
			m.setRunning(j)
		case !m.checksPass(u, j):
			// checksPass finished the job.
		default:
			m.setRunning(j)
			u.invocationID = newInvocationID()
			u.activationEnv = j.Env
			m.unitLogf(u, 6, "Starting %s...", u.description())
			m.send(u, &pb.Event{Kind: &pb.Event_Start{Start: &pb.Start{}}})
		}
	case job.VerifyActive:
		switch {
		case u.isActive():
			noop()
		case u.Active == unit.Activating:
			m.setRunning(j)
		default:
			finish(job.Skipped)
		}
	case job.Stop, job.Restart:
		switch {
		case !isUp(u.Active) && j.Type == job.Stop:
			noop()
		case !isUp(u.Active):
			// Restart of a stopped unit: only the start half is left. It runs in the next round.
			m.engine.StartInstead(j)
		case u.Active == unit.Deactivating:
			m.setRunning(j)
		default:
			m.setRunning(j)
			m.unitLogf(u, 6, "Stopping %s...", u.description())
			m.send(u, &pb.Event{Kind: &pb.Event_Stop{Stop: &pb.Stop{}}})
		}
	case job.Reload:
		if !u.isActive() {
			finish(job.Failed)
			return
		}
		m.setRunning(j)
		m.send(u, &pb.Event{Kind: &pb.Event_Reload{Reload: &pb.Reload{}}})
	default:
		m.log.Error("job of a type that must have been collapsed", "unit", u.ID, "type", j.Type.String())
		finish(job.Failed)
	}
}

func (m *Manager) setRunning(j *job.Job) {
	m.engine.SetRunning(j)
	m.armJobTimeout(j, true)
}

// checksPass evaluates u's conditions and asserts before a start. A condition that does not hold skips the job
// (the unit stays as it is, as in systemd); an assert that does not hold fails it.
func (m *Manager) checksPass(u *Unit, j *job.Job) bool {
	if u.Frag == nil {
		return true
	}
	eval := func(list []unit.Condition) checkResult {
		r := condition.Default.Evaluate(list)
		for _, line := range r.Undetermined {
			m.unitLogf(u, 4, "%s", line)
		}
		return checkResult{evaluated: true, ok: r.OK, reason: condition.Describe(r), failed: condition.Setting(r.Failed),
			trigger: r.Failed != nil && r.Failed.Trigger, at: now()}
	}
	u.condition = eval(u.Frag.Unit.Conditions)
	if !u.condition.ok {
		m.log.Info("condition check resulted in the unit being skipped", "unit", u.ID, "reason", u.condition.reason)
		m.unitLogf(u, 6, "%s", skippedLine(u, "condition", u.condition))
		m.engine.Finish(j, job.Skipped)
		return false
	}
	u.assert = eval(u.Frag.Unit.Asserts)
	if !u.assert.ok {
		m.log.Error("assertion failed", "unit", u.ID, "reason", u.assert.reason)
		m.unitLogf(u, 4, "%s", skippedLine(u, "assertion", u.assert))
		m.engine.Finish(j, job.Failed)
		return false
	}
	if m.startLimitHit(u) {
		m.log.Error("start request repeated too quickly", "unit", u.ID)
		m.engine.Finish(j, job.Failed)
		m.setState(u, &pb.SetState{Active: pb.ActiveState_ACTIVE_STATE_FAILED, Sub: "failed", Result: "start-limit-hit"})
		m.emergencyAction(u, "StartLimitAction", u.Frag.Unit.StartLimitAction)
		return false
	}
	return true
}

// skippedLine is systemd's log line for a start that a condition (or an assert) prevented; it stays in the unit's
// log when the unit is collected: "x.service - X was skipped because of an unmet condition check
// (ConditionPathExists=/y)."
func skippedLine(u *Unit, kind string, r checkResult) string {
	name := u.ID
	if d := u.description(); d != u.ID {
		name += " - " + d
	}
	unmet := "an unmet condition"
	if kind == "assertion" {
		unmet = "a failed assertion"
	}
	switch {
	case r.trigger:
		return fmt.Sprintf("%s was skipped because no trigger %s checks were met.", name, kind)
	case r.failed != "":
		return fmt.Sprintf("%s was skipped because of %s check (%s).", name, unmet, r.failed)
	}
	return fmt.Sprintf("%s was skipped because of %s check (%s).", name, unmet, r.reason)
}

// startLimitHit records a start and reports whether it is one too many within StartLimitIntervalSec= (0 for the
// interval or the burst disables the limit). reset-failed forgets the record.
func (m *Manager) startLimitHit(u *Unit) bool {
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
// second). exit ends the system manager: in a container that ends the container, on a real boot systemd powers
// off instead, and so does sysmaster in both cases. kexec and soft-reboot reboot: this host loads no kexec
// kernel and does not restart userspace alone.
func (m *Manager) emergencyAction(u *Unit, setting, action string) {
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
		base = "poweroff"
	case "kexec", "soft-reboot":
		m.log.Warn(base+" is not supported; rebooting instead", "unit", u.ID, "setting", setting)
		base = "reboot"
	case "poweroff", "reboot", "halt":
	default:
		m.log.Error(setting+" has an unknown action; ignoring it", "unit", u.ID, "action", action)
		return
	}
	m.log.Warn(setting+" of the unit brings the system down", "unit", u.ID, "action", action)
	m.unitLogf(u, 2, "%s: %s=%s, bringing the system down.", u.ID, setting, action)
	if force {
		m.shutdown = base
		return
	}
	if err := m.beginShutdown(base); err != nil {
		m.log.Error("cannot carry out "+setting, "unit", u.ID, "action", action, "error", err)
	}
}

// jobFinished prints systemd's status line, wakes WaitJobs callers and notices the shutdown targets.
func (m *Manager) jobFinished(j *job.Job, r job.Result) {
	m.finished.add(j, r)
	for _, ch := range m.waiters[j.ID] {
		ch <- r
	}
	delete(m.waiters, j.ID)
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
		if j.Type == job.Start && r != job.Done && len(u.triggeredBy) > 0 {
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
			m.shutdown = action
		}
	}
}

// shutdownTargets are the targets whose activation ends the manager and hands the final step to init.
var shutdownTargets = map[string]string{"poweroff.target": "poweroff", "reboot.target": "reboot", "halt.target": "halt"}

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

// graph is the job engine's view of the units.
type graph struct{ m *Manager }

func (g graph) Deps(u, kind string) []string {
	if x := g.m.units[u]; x != nil {
		return x.deps[kind]
	}
	return nil
}

func (g graph) Loadable(name string) error {
	u := g.m.units[name]
	if u == nil {
		return errdefs.NotFound(fmt.Errorf("Unit %s not found.", name))
	}
	if err := loadError(u); err != nil {
		if u.LoadState == unit.NotFound {
			return errdefs.NotFound(err)
		}
		return errdefs.FailedPrecondition(err)
	}
	return nil
}

func (g graph) Active(u string) bool {
	x := g.m.units[u]
	return x != nil && x.isActive()
}

func (g graph) Up(u string) bool {
	x := g.m.units[u]
	return x != nil && isUp(x.Active)
}

func (g graph) CanReload(u string) bool {
	x := g.m.units[u]
	return x != nil && g.m.canReload(x)
}

func (g graph) Isolatable() []string {
	var out []string
	for name, u := range g.m.units {
		if name == u.ID && (isUp(u.Active) || g.m.engine.Get(u.ID) != nil) {
			out = append(out, u.ID)
		}
	}
	return out
}

func (g graph) IgnoreOnIsolate(u string) bool {
	x := g.m.units[u]
	return x == nil || x.Frag == nil || x.Frag.Unit.IgnoreOnIsolate
}

// newInvocationID is a random 128-bit id in hex, as systemd's $INVOCATION_ID.
func newInvocationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// cycleBroken logs a job a transaction left out to break an ordering cycle, on the console and in the unit's
// log, naming the cycle as systemd does.
func (m *Manager) cycleBroken(d job.Dropped) {
	m.log.Warn("found ordering cycle: "+d.String(), "unit", d.Unit)
	if u := m.units[d.Unit]; u != nil {
		m.unitLogf(u, 4, "Found ordering cycle: %s", d)
	}
}
