package event

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/udevd/device"
	"github.com/sysmaster/sysmaster/udevd/rules"
)

// BenchmarkDebianRules processes "add" events of the fake tree's disk, partition, USB modem and network card
// through Debian 12's 32 udev rules files (a dry run: nothing is written). Programs the rules call that this
// machine lacks (ata_id, scsi_id, …) fail at exec, as they would cost little more when present and quick.
func BenchmarkDebianRules(b *testing.B) {
	files, err := filepath.Glob("../rules/testdata/debian-bookworm-udev/*.rules")
	if err != nil || len(files) != 32 {
		b.Fatalf("Debian rules: %v (%d files)", err, len(files))
	}
	rs, _ := rules.LoadFiles(files)
	dir := b.TempDir()
	unpackFixture(b, dir)
	sys := device.Sysfs{Root: filepath.Join(dir, "sys")}
	devpaths := []string{
		"/devices/pci0000:00/0000:00:1f.2/host0/target0:0:0/0:0:0:0/block/sda",
		"/devices/pci0000:00/0000:00:1f.2/host0/target0:0:0/0:0:0:0/block/sda/sda1",
		"/devices/pci0000:00/0000:00:1d.7/usb5/5-2/5-2:1.0/tty/ttyACM0",
		"/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/net/eth0",
	}
	p := &Processor{Rules: rs, Test: true}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := sys.New(devpaths[i%len(devpaths)])
		if err != nil {
			b.Fatal(err)
		}
		d.SetUeventProperty("ACTION", "add")
		if _, err := p.Process(context.Background(), d); err != nil {
			b.Fatal(fmt.Errorf("%s: %w", d.Devpath, err))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// On a shared machine the wall time includes waiting for a CPU; the CPU time spent says what an event costs.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
