package dbusapi

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// The Manager's and the Job objects' methods on jobs.

func init() {
	handle(managerIface, "GetJob", false, func(s *Server, r *request) ([]any, error) {
		id := uint64(r.args[0].(uint32))
		if _, err := s.jobInfo(r, id); err != nil {
			return nil, err
		}
		return []any{jobPath(id)}, nil
	})
	handle(managerIface, "ListJobs", false, (*Server).listJobs)
	handle(managerIface, "CancelJob", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.cancelJob(r, uint64(r.args[0].(uint32)))
	})
	handle(jobIface, "Cancel", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.cancelJob(r, r.job)
	})
	handle(managerIface, "ClearJobs", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.CancelJobs(r.ctx, nil)
	})
}

// jobListEntry is a line of ListJobs: a(usssoo).
type jobListEntry struct {
	ID                   uint32
	Unit, JobType, State string
	JobPath, UnitPath    dbus.ObjectPath
}

func (s *Server) listJobs(r *request) ([]any, error) {
	jobs, err := s.core.ListJobs(r.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]jobListEntry, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, jobListEntry{uint32(j.ID), j.Unit, j.Type, j.State, jobPath(j.ID), unitPath(j.Unit)})
	}
	return []any{out}, nil
}

func (s *Server) cancelJob(r *request, id uint64) error {
	if err := s.core.CancelJobs(r.ctx, []uint64{id}); err != nil {
		return newError(errNoSuchJob, fmt.Sprintf("Job %d does not exist.", id))
	}
	return nil
}
