package service

import (
	"math"
	"testing"
)

func TestCgroup(t *testing.T) {
	inf := uint64(math.MaxUint64)
	c := clean(t, "ExecStart=/bin/true", "MemoryMax=1G", "MemoryHigh=512M", "CPUQuota=20%", "CPUWeight=500",
		"IOWeight=10000", "TasksMax=512", "Delegate=yes")
	g := c.Cgroup
	if g.MemoryMax != 1<<30 || g.MemoryHigh != 512<<20 || g.CPUQuotaPerSecUSec != 200000 || g.CPUWeight != 500 ||
		g.IOWeight != 10000 || g.TasksMax != 512 || !g.Delegate || c.CPUWeightIdle {
		t.Errorf("%+v", g)
	}
	c = clean(t, "ExecStart=/bin/true", "MemoryMax=50%", "MemoryHigh=infinity", "CPUQuota=150.5%", "CPUWeight=idle",
		"TasksMax=10%", "Delegate=cpu memory pids")
	g = c.Cgroup
	if g.MemoryMax != 4<<30 || g.MemoryHigh != inf || g.CPUQuotaPerSecUSec != 1505000 || g.CPUWeight != 1 ||
		!c.CPUWeightIdle || g.TasksMax != 419430 || !g.Delegate {
		t.Errorf("%+v idle %v", g, c.CPUWeightIdle)
	}
	c = clean(t, "ExecStart=/bin/true", "MemoryMax=1T", "MemoryMax=", "CPUQuota=5%", "CPUQuota=", "CPUWeight=idle",
		"CPUWeight=", "IOWeight=5", "IOWeight=", "TasksMax=infinity", "Delegate=no", "MemoryHigh=0.5%")
	g = c.Cgroup
	if g.MemoryMax != 0 || g.CPUQuotaPerSecUSec != 0 || g.CPUWeight != 0 || c.CPUWeightIdle || g.IOWeight != 0 ||
		g.TasksMax != inf || g.Delegate || g.MemoryHigh != (8<<30)/200 {
		t.Errorf("%+v", g)
	}
	if c := clean(t, "ExecStart=/bin/true", "Delegate="); !c.Cgroup.Delegate {
		t.Errorf("Delegate= (an empty list) is yes")
	}
}
