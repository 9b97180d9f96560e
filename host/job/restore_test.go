package job

import (
	"testing"

	"github.com/sysmaster/sysmaster/host/unit"
)

// Restored jobs keep their ids and states; a running one is not run again, a waiting one runs when its order
// allows; new jobs get ids above them.
func TestRestore(t *testing.T) {
	g := newGraph("b After a")
	e := NewEngine(g)
	e.Restore(Job{ID: 41, Unit: "a", Type: Start, State: Running})
	e.Restore(Job{ID: 42, Unit: "b", Type: Start, State: Waiting})
	e.Restore(Job{ID: 7, Unit: "a", Type: Stop}) // a is taken: kept as it was
	if j := e.Get("a"); j.ID != 41 || j.Type != Start || j.State != Running {
		t.Fatalf("a's job %+v", j)
	}
	if r := e.Runnable(); len(r) != 0 {
		t.Fatalf("runnable while a's start runs: %v", r)
	}
	e.UnitChanged("a", unit.Active)
	if r := e.Runnable(); len(r) != 1 || r[0].ID != 42 {
		t.Fatalf("after a started, runnable %v, want b's job 42", r)
	}
	jobs, err := e.Enqueue("c", Start, Replace)
	if err != nil || jobs[0].ID != 43 {
		t.Fatalf("new job %v, %v: want id 43", jobs, err)
	}
}
