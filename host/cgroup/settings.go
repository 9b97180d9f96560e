package cgroup

import (
	"fmt"
	"math"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Infinity is the value of a Settings field set to "infinity" (no limit).
const Infinity = math.MaxUint64

// Settings is a unit's resource control (man systemd.resource-control). A zero field is unset; Infinity means
// "infinity".
type Settings struct {
	MemoryMax          uint64 // bytes
	MemoryHigh         uint64 // bytes
	CPUQuotaPerSecUSec uint64 // CPU time allowed per second of wall time, µs (CPUQuota=20% is 200000)
	CPUWeight          uint64 // 1…10000, 100 by default
	TasksMax           uint64
	IOWeight           uint64 // 1…10000, 100 by default
	// Delegate hands the cgroups below the unit's to the service: the unit's cgroup gets every controller
	// (on v2 they are enabled in its parent's cgroup.subtree_control, on v1 it has a directory in each
	// controller hierarchy), and nothing below it is ever written (Remove removes what is left there once it is
	// empty). The cgroup is not chowned: a service that drops privileges cannot manage it.
	Delegate bool
}

// SettingsFromProto converts the wire form a plugin sends; nil is the zero Settings.
func SettingsFromProto(p *pb.CgroupSettings) Settings {
	return Settings{
		MemoryMax:          p.GetMemoryMax(),
		MemoryHigh:         p.GetMemoryHigh(),
		CPUQuotaPerSecUSec: p.GetCpuQuotaPerSecUsec(),
		CPUWeight:          p.GetCpuWeight(),
		TasksMax:           p.GetTasksMax(),
		IOWeight:           p.GetIoWeight(),
		Delegate:           p.GetDelegate(),
	}
}

// validate refuses weights outside systemd's range.
func (s Settings) validate() error {
	if s.CPUWeight > 10000 {
		return fmt.Errorf("cgroup: CPUWeight=%d is out of range 1…10000", s.CPUWeight)
	}
	if s.IOWeight > 10000 {
		return fmt.Errorf("cgroup: IOWeight=%d is out of range 1…10000", s.IOWeight)
	}
	return nil
}

const (
	cpuPeriodUSec   = 100000 // the kernel's default CFS period, on v1 and v2
	minQuotaUSec    = 1000   // the kernel refuses a smaller quota
	defaultWeight   = 100    // CPUWeight= and IOWeight= when unset
	defaultShares   = 1024   // cpu.shares when unset
	defaultBlkioWgt = 500    // blkio.weight when unset
)

// quotaPerPeriod converts CPUQuotaPerSecUSec to µs per CFS period, as systemd does.
func quotaPerPeriod(perSec uint64) uint64 {
	q := perSec / (1000000 / cpuPeriodUSec)
	if q < minQuotaUSec {
		q = minQuotaUSec
	}
	return q
}

// cpuShares converts CPUWeight= to v1 cpu.shares as systemd does: 100 ↦ 1024, clamped to 2…262144.
func cpuShares(weight uint64) uint64 {
	return clamp(weight*defaultShares/defaultWeight, 2, 262144)
}

// blkioWeight converts IOWeight= to v1 blkio.weight as systemd does: 100 ↦ 500, clamped to 10…1000.
func blkioWeight(weight uint64) uint64 {
	return clamp(weight*defaultBlkioWgt/defaultWeight, 10, 1000)
}

// bfqWeight converts IOWeight= to io.bfq.weight (1…1000) as systemd does.
func bfqWeight(weight uint64) uint64 {
	return clamp(1+(weight-1)*999/9999, 1, 1000)
}

func clamp(v, lo, hi uint64) uint64 {
	return min(max(v, lo), hi)
}
