package cgroup

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// procState is the state letter of /proc/<pid>/stat: a frozen task sleeps in the freezer ("S" or "D"), never "R".
func procState(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[0]
}

// freezeThaw freezes a unit that burns CPU, checks the kernel's view and the task is not running, and thaws it.
func freezeThaw(t *testing.T, h *Hierarchy) {
	unit := "test.slice/freeze.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	cmd := start(t, h, unit, "while :; do :; done")
	if st := h.FreezerStateOf(unit); st != FreezerRunning {
		t.Fatalf("fresh unit: %s", st)
	}
	if err := h.Freeze(unit, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "frozen", func() bool { return h.FreezerStateOf(unit) == FreezerFrozen })
	// A busy loop is "R" whenever it is not frozen.
	if st := procState(t, cmd.Process.Pid); st == "R" {
		t.Fatalf("frozen task is in state %s", st)
	}
	if err := h.Freeze(unit, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "thawed", func() bool { return h.FreezerStateOf(unit) == FreezerRunning })
	waitFor(t, "the loop to run again", func() bool { return procState(t, cmd.Process.Pid) == "R" })
}

func TestFreezeUnified(t *testing.T) {
	freezeThaw(t, subRoot(t, unified(t)))
}

// TestFreezeV1 uses the v1 freezer controller, as in Legacy mode: the hierarchy is this machine's without its
// cgroup2 part.
func TestFreezeV1(t *testing.T) {
	h := subRoot(t, detected(t))
	if h.v1["freezer"] == nil {
		t.Skip("no v1 freezer hierarchy")
	}
	if h.track == h.unified {
		t.Skip("the cgroup2 hierarchy tracks processes")
	}
	freezeThaw(t, &Hierarchy{mode: Legacy, v1: h.v1, track: h.track, trackKey: h.trackKey})
}

// freezeSlice freezes a slice as the core does (its unit first, then the slice) and thaws it the same way: both
// report frozen, then running, and the unit's task stops and runs again.
func freezeSlice(t *testing.T, h *Hierarchy) {
	unit := "test.slice/freeze.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	cmd := start(t, h, unit, "while :; do :; done")
	for _, c := range []string{unit, "test.slice"} {
		if err := h.Freeze(c, true); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "slice and unit frozen", func() bool {
		return h.FreezerStateOf(unit) == FreezerFrozen && h.FreezerStateOf("test.slice") == FreezerFrozen
	})
	if st := procState(t, cmd.Process.Pid); st == "R" {
		t.Fatalf("task of a frozen slice is in state %s", st)
	}
	for _, c := range []string{unit, "test.slice"} {
		if err := h.Freeze(c, false); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "slice and unit thawed", func() bool {
		return h.FreezerStateOf(unit) == FreezerRunning && h.FreezerStateOf("test.slice") == FreezerRunning
	})
	waitFor(t, "the loop to run again", func() bool { return procState(t, cmd.Process.Pid) == "R" })
}

// TestFreezeSliceUnified and TestFreezeSliceV1 freeze a slice with a unit in it on cgroup2 and on the v1 freezer.
func TestFreezeSliceUnified(t *testing.T) {
	freezeSlice(t, subRoot(t, unified(t)))
}

func TestFreezeSliceV1(t *testing.T) {
	h := subRoot(t, detected(t))
	if h.v1["freezer"] == nil {
		t.Skip("no v1 freezer hierarchy")
	}
	if h.track == h.unified {
		t.Skip("the cgroup2 hierarchy tracks processes")
	}
	freezeSlice(t, &Hierarchy{mode: Legacy, v1: h.v1, track: h.track, trackKey: h.trackKey})
}
