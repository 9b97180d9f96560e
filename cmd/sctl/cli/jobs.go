package cli

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// jobVerb makes start, stop, restart, …: enqueue, then (without --no-block) wait and report like systemctl.
func jobVerb(verb string) func(e *env, args []string) int {
	return func(e *env, args []string) int {
		units, err := e.expandNames(args)
		if err != nil {
			return e.callFailed("expand unit names", err)
		}
		if nothingMatched(args, units) {
			return exitOK
		}
		resp, err := e.c.Enqueue(e.ctx, &controlv1.EnqueueRequest{Units: units, Type: verb, Mode: e.o.jobMode, Manual: true})
		if err != nil {
			return e.callFailed(verb+" "+joinUnits(units), err)
		}
		if e.o.transact {
			e.showTransaction(resp.Jobs, units)
		}
		if e.o.noBlock {
			return exitOK
		}
		// The first job of each unit is the one asked for; the rest were pulled in.
		var ids []uint64
		seen := map[string]bool{}
		for _, j := range resp.Jobs {
			if !seen[j.Unit] && slices.Contains(units, j.Unit) {
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
				e.errorf("%s", e.explain(msg, r))
				code = exitFailure
			}
		}
		if e.o.wait && code == exitOK && (verb == "start" || verb == "restart") {
			code = e.waitUnits(units)
		}
		return code
	}
}

// explain adds the unit's result to a failed job's message, as systemctl does: "Job for x.service failed because
// the control process exited with error code."
func (e *env) explain(msg string, r *controlv1.JobResult) string {
	if r.Result != "failed" {
		return msg
	}
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: []string{r.Unit}, Properties: []string{"Result"}})
	if err != nil || len(resp.Units) == 0 {
		return msg
	}
	why, ok := resultReasons[props(resp.Units[0].Properties)["Result"]]
	if !ok {
		return msg
	}
	return fmt.Sprintf("Job for %s failed because %s.\nSee \"sctl status %s\" and \"sctl logs %s\" for details.", r.Unit, why, r.Unit, r.Unit)
}

// resultReasons are systemctl's words for a service's result.
var resultReasons = map[string]string{
	"exit-code":       "the control process exited with error code",
	"signal":          "a fatal signal was delivered to the control process",
	"core-dump":       "a fatal signal was delivered causing the control process to dump core",
	"timeout":         "a timeout was exceeded",
	"watchdog":        "the service failed to send watchdog ping",
	"start-limit-hit": "start of the service was attempted too often",
	"resources":       "of unavailable resources or another system error",
	"oom-kill":        "the control process was killed by the OOM killer",
	"protocol":        "the service did not take the steps required by its unit configuration",
}

// waitUnits is --wait: it polls until every unit is inactive or failed again; a failed one makes the exit 1.
func (e *env) waitUnits(units []string) int {
	code := exitOK
	for _, u := range units {
		for {
			resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: []string{u}, Properties: []string{"ActiveState", "Result"}})
			if err != nil {
				return e.callFailed("wait for "+u, err)
			}
			p := props(resp.Units[0].Properties)
			if st := p["ActiveState"]; st == "inactive" || st == "failed" {
				if st == "failed" {
					e.errorf("Unit %s failed with result '%s'.", u, p["Result"])
					code = exitFailure
				}
				break
			}
			select {
			case <-e.ctx.Done():
				return exitFailure
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return code
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

// showTransaction prints the jobs a verb enqueued, as systemctl -T does: the anchor jobs (those asked for) and
// the auxiliary ones pulled in.
func (e *env) showTransaction(jobs []*controlv1.EnqueuedJob, units []string) {
	anchors := map[string]bool{}
	for _, j := range jobs {
		kind := "auxiliary"
		if !anchors[j.Unit] && slices.Contains(units, j.Unit) {
			anchors[j.Unit], kind = true, "anchor"
		}
		fmt.Fprintf(e.stderr, "Enqueued %s job %d %s/%s.\n", kind, j.Id, j.Unit, j.Type)
	}
}
