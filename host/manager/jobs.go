package manager

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/sysmaster/sysmaster/host/condition"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk"
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
	m.announceJobs(jobs)
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
		m.life.emergencyAction(u, "JobTimeoutAction", u.Frag.Unit.JobTimeoutAction)
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

// annotation is u's annotation k, "" when it has none.
func annotation(u *Unit, k string) string {
	v, _ := u.Annotations.get(k)
	return v
}

func (m *Manager) canReload(u *Unit) bool { return annotation(u, "CanReload") == "yes" }

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
		case !m.triggerLoaded(u):
			finish(job.Failed)
		default:
			m.setRunning(j)
			u.invocationID = newInvocationID()
			u.finished = nil // a new activation's commands, as systemd resets their exec status
			u.activationEnv = j.Env
			m.unitLogf(u, 6, "Starting %s...", u.description())
			m.thawForJob(u) // freeze.go
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
			m.thawForJob(u) // freeze.go
			m.send(u, &pb.Event{Kind: &pb.Event_Stop{Stop: &pb.Stop{}}})
		}
	case job.Reload:
		if !u.isActive() {
			finish(job.Failed)
			return
		}
		m.setRunning(j)
		m.thawForJob(u) // freeze.go
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
	// eval evaluates list; its checks' outcomes go to the rare field states picks.
	eval := func(list []unit.Condition, states func(*unitRare) *[]int32) checkResult {
		r := condition.Default.Evaluate(list)
		for _, line := range r.Undetermined {
			m.unitLogf(u, 4, "%s", line)
		}
		u.setRare(func(rare *unitRare) { *states(rare) = r.States })
		return checkResult{evaluated: true, ok: r.OK, reason: condition.Describe(r), failed: condition.Setting(r.Failed),
			trigger: r.Failed != nil && r.Failed.Trigger, at: now()}
	}
	u.condition = eval(u.Frag.Unit.Conditions, func(r *unitRare) *[]int32 { return &r.conditionStates })
	if !u.condition.ok {
		m.log.Info("condition check resulted in the unit being skipped", "unit", u.ID, "reason", u.condition.reason)
		m.unitLogf(u, 6, "%s", skippedLine(u, "condition", u.condition))
		m.engine.Finish(j, job.Skipped)
		return false
	}
	u.assert = eval(u.Frag.Unit.Asserts, func(r *unitRare) *[]int32 { return &r.assertStates })
	if !u.assert.ok {
		m.log.Error("assertion failed", "unit", u.ID, "reason", u.assert.reason)
		m.unitLogf(u, 4, "%s", skippedLine(u, "assertion", u.assert))
		m.engine.Finish(j, job.Failed)
		return false
	}
	if m.life.startLimitHit(u) {
		m.log.Error("start request repeated too quickly", "unit", u.ID)
		m.engine.Finish(j, job.Failed)
		m.life.setState(u, &pb.SetState{Active: pb.ActiveState_ACTIVE_STATE_FAILED, Sub: "failed", Result: "start-limit-hit"})
		m.life.emergencyAction(u, "StartLimitAction", u.Frag.Unit.StartLimitAction)
		return false
	}
	return true
}

// triggerLoaded checks, before a start, that the unit u triggers and cannot start without (the plugin's
// sdk.AnnotationTrigger) is loaded; when it is not, u's log says so in systemd's words and the start fails, u
// staying as it was (systemd's unit_test_trigger_loaded, after the conditions and the start limit).
func (m *Manager) triggerLoaded(u *Unit) bool {
	name, _ := u.Annotations.get(sdk.AnnotationTrigger)
	if name == "" {
		return true
	}
	if t := m.units[name]; t != nil && loadError(t) == nil {
		return true
	}
	m.unitLogf(u, 3, "Refusing to start, unit %s to trigger not loaded.", name)
	return false
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

// graph is the job engine's view of the units.
type graph struct{ m *Manager }

func (g graph) Deps(u, kind string) []string {
	if x := g.m.units[u]; x != nil {
		return x.deps.get(kind)
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
