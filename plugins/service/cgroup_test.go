package main

import (
	"math"
	"testing"
)

func TestCgroup(t *testing.T) {
	inf := uint64(math.MaxUint64)
	c := clean(t, "ExecStart=/bin/true", "MemoryMax=1G", "MemoryHigh=512M", "CPUQuota=20%", "CPUWeight=500",
		"IOWeight=10000", "TasksMax=512", "Delegate=yes")
	g := c.Cgroup
	if g.MemoryMax != 1<<30 || g.MemoryHigh != 512<<20 || g.CpuQuotaPerSecUsec != 200000 || g.CpuWeight != 500 ||
		g.IoWeight != 10000 || g.TasksMax != 512 || !g.Delegate || c.CPUWeightIdle {
		t.Errorf("%+v", g)
	}
	c = clean(t, "ExecStart=/bin/true", "MemoryMax=50%", "MemoryHigh=infinity", "CPUQuota=150.5%", "CPUWeight=idle",
		"TasksMax=10%", "Delegate=cpu memory pids")
	g = c.Cgroup
	if g.MemoryMax != 4<<30 || g.MemoryHigh != inf || g.CpuQuotaPerSecUsec != 1505000 || g.CpuWeight != 1 ||
		!c.CPUWeightIdle || g.TasksMax != 419430 || !g.Delegate {
		t.Errorf("%+v idle %v", g, c.CPUWeightIdle)
	}
	c = clean(t, "ExecStart=/bin/true", "MemoryMax=1T", "MemoryMax=", "CPUQuota=5%", "CPUQuota=", "CPUWeight=idle",
		"CPUWeight=", "IOWeight=5", "IOWeight=", "TasksMax=infinity", "Delegate=no", "MemoryHigh=0.5%")
	g = c.Cgroup
	if g.MemoryMax != 0 || g.CpuQuotaPerSecUsec != 0 || g.CpuWeight != 0 || c.CPUWeightIdle || g.IoWeight != 0 ||
		g.TasksMax != inf || g.Delegate || g.MemoryHigh != (8<<30)/200 {
		t.Errorf("%+v", g)
	}
	if c := clean(t, "ExecStart=/bin/true", "Delegate="); !c.Cgroup.Delegate {
		t.Errorf("Delegate= (an empty list) is yes")
	}
}

func TestPermyriad(t *testing.T) {
	for in, want := range map[string]uint64{"0%": 0, "1%": 100, "12.5%": 1250, "12.25%": 1225, "100%": 10000, "250%": 25000} {
		if got, err := parsePermyriad(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"%", ".5%", "1.234%", "-1%", "x%", "99999999999%"} {
		if _, err := parsePermyriad(in); err == nil {
			t.Errorf("%s parsed", in)
		}
	}
	if got := scale(math.MaxUint64, 10000); got != math.MaxUint64 {
		t.Errorf("scale overflow: %d", got)
	}
}
