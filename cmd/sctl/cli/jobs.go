package cli

import (
	"fmt"
	"strconv"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// jobVerb makes start, stop, restart, …: enqueue, then (without --no-block) wait and report like systemctl.
func jobVerb(verb string) func(e *env, args []string) int {
	return func(e *env, args []string) int {
		units := unitNames(args)
		resp, err := e.c.Enqueue(e.ctx, &controlv1.EnqueueRequest{Units: units, Type: verb, Mode: e.o.jobMode, Manual: true})
		if err != nil {
			return e.callFailed(verb+" "+joinUnits(units), err)
		}
		if e.o.noBlock {
			return exitOK
		}
		// The first job of each unit is the one asked for; the rest were pulled in.
		var ids []uint64
		seen := map[string]bool{}
		for _, j := range resp.Jobs {
			if !seen[j.Unit] && contains(units, j.Unit) {
				seen[j.Unit] = true
				ids = append(ids, j.Id)
			}
		}
		res, err := e.c.WaitJobs(e.ctx, &controlv1.WaitJobsRequest{Ids: ids})
		if err != nil {
			return e.callFailed("wait for the job", err)
		}
		code := exitOK
		for _, r := range res.Results {
			if msg := jobMessage(r); msg != "" {
				e.errorf("%s", msg)
				code = exitFailure
			}
		}
		return code
	}
}

// jobMessage is systemctl's complaint about a job that did not end with done (or skipped, which is not a
// failure: a condition did not hold).
func jobMessage(r *controlv1.JobResult) string {
	switch r.Result {
	case "done", "skipped", "unknown":
		return ""
	case "canceled":
		return fmt.Sprintf("Job for %s canceled.", r.Unit)
	case "timeout":
		return fmt.Sprintf("Job for %s timed out.", r.Unit)
	case "dependency":
		return fmt.Sprintf("A dependency job for %s failed. See 'sctl status %s' for details.", r.Unit, r.Unit)
	}
	return fmt.Sprintf("Job for %s failed. See 'sctl status %s' for details.", r.Unit, r.Unit)
}

func cancel(e *env, args []string) int {
	var ids []uint64
	for _, a := range args {
		id, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			e.errorf("Failed to parse job id \"%s\": %v", a, err)
			return exitFailure
		}
		ids = append(ids, id)
	}
	if _, err := e.c.CancelJobs(e.ctx, &controlv1.CancelJobsRequest{Ids: ids}); err != nil {
		return e.callFailed("cancel job", err)
	}
	return exitOK
}

func joinUnits(units []string) string {
	if len(units) == 1 {
		return units[0]
	}
	return fmt.Sprint(units)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
