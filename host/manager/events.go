package manager

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// The core's announcements to its watchers (api.Core.Watch: the D-Bus API's signals). The loop pushes each event
// to every watcher's queue, which never blocks it; a watcher that falls behind only grows its own queue.

// watchers are the queues of the current watchers; jobsAnnounced are the jobs a JobNew went out for, so that a
// job merged into again is not announced twice.
type watchers struct {
	queues        []*api.EventQueue
	jobsAnnounced map[uint64]bool
}

// announce hands e to every watcher.
func (m *Manager) announce(e api.Event) {
	for _, q := range m.watch.queues {
		q.Push(e)
	}
}

// announceJobs sends JobNew for the jobs not announced yet.
func (m *Manager) announceJobs(jobs []*job.Job) {
	if len(m.watch.queues) == 0 {
		return
	}
	if m.watch.jobsAnnounced == nil {
		m.watch.jobsAnnounced = map[uint64]bool{}
	}
	for _, j := range jobs {
		if !m.watch.jobsAnnounced[j.ID] {
			m.watch.jobsAnnounced[j.ID] = true
			m.announce(api.Event{Kind: api.JobNew, JobID: j.ID, JobType: j.Type.String(), Unit: j.Unit})
		}
	}
}

// announceJobRemoved sends JobRemoved for a job that ended.
func (m *Manager) announceJobRemoved(j *job.Job, r job.Result) {
	if len(m.watch.queues) == 0 {
		return
	}
	delete(m.watch.jobsAnnounced, j.ID)
	m.announce(api.Event{Kind: api.JobRemoved, JobID: j.ID, JobType: j.Type.String(), Unit: j.Unit, Result: string(r)})
}

// announceUnit sends UnitChanged with u's states.
func (m *Manager) announceUnit(u *Unit) {
	if len(m.watch.queues) == 0 {
		return
	}
	m.announce(api.Event{Kind: api.UnitChanged, Unit: u.ID, Load: string(u.LoadState), Active: u.Active.String(), Sub: u.Sub})
}

func (l local) Watch(ctx context.Context) (*api.EventQueue, error) {
	q := api.NewEventQueue()
	m := l.m
	// Posted, not waited for: the D-Bus API watches from New, before the loop runs.
	m.post(func() { m.watch.queues = append(m.watch.queues, q) })
	go func() {
		select {
		case <-ctx.Done():
			m.post(func() {
				m.watch.queues = slices.DeleteFunc(m.watch.queues, func(x *api.EventQueue) bool { return x == q })
			})
		case <-m.done:
		}
	}()
	return q, nil
}

func (l local) UnitByPID(ctx context.Context, pid int) (string, error) {
	m := l.m
	var name string
	err := m.do(ctx, func() {
		if u := m.procs.owner[pid]; u != nil {
			name = u.ID
			return
		}
		if m.cg != nil {
			name = unitOfCgroup(m.cgroupRel(pid))
		}
	})
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", errdefs.NotFound(fmt.Errorf("PID %d does not belong to any loaded unit.", pid))
	}
	return name, nil
}

func (l local) UnitByInvocationID(ctx context.Context, id string) (string, error) {
	m := l.m
	var name string
	err := m.do(ctx, func() {
		for _, u := range m.units {
			if u.invocationID == id {
				name = u.ID
				return
			}
		}
	})
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", errdefs.NotFound(fmt.Errorf("No unit with the specified invocation ID %s known.", id))
	}
	return name, nil
}

// cgroupRel is pid's cgroup relative to the manager's root in the unified or named hierarchy, "" when it is not
// below it.
func (m *Manager) cgroupRel(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return ""
	}
	root := m.cg.Path("")
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || (f[1] != "" && f[1] != "name=systemd") {
			continue
		}
		if rel, ok := strings.CutPrefix(f[2], strings.TrimSuffix(root, "/")+"/"); ok {
			return rel
		}
	}
	return ""
}

func (l local) LoadedUnit(ctx context.Context, name string) (*api.UnitStatus, error) {
	var st *api.UnitStatus
	err := l.m.do(ctx, func() {
		if u := l.m.units[name]; u != nil {
			s := l.m.unitStatus(u)
			st = &s
		}
	})
	return st, err
}
