package unit

import (
	"slices"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// A unit without a file that the core declares (a device udev reported, a mount of the mount table) takes its
// drop-ins as a file would: their values after the declared ones, specifiers expanded, an unknown section warned
// about and left out, the type-wide and prefix drop-ins too.
func TestDeclaredDropIns(t *testing.T) {
	l := tree(t, map[string]string{
		"etc/dev-sda.device.d/10-desc.conf": "[Unit]\nDescription=Disk of %H\nJobTimeoutSec=5s\nWants=a.service\n[Frob]\nX=1\n",
		"lib/dev-sda.device.d/10-desc.conf": "[Unit]\nDescription=hidden by /etc's file of that name\n",
		"run/dev-.device.d/20-wants.conf":   "[Unit]\nWants=b.service\n",
		"lib/device.d/30-all.conf":          "[Unit]\nJobRunningTimeoutSec=7s\n",
	})
	l.TypeSections = func(string) ([]string, error) { return nil, nil }
	l.Declared = func(name string) []*unitfile.Section {
		return []*unitfile.Section{{Name: "Unit", Entries: []unitfile.Entry{
			{Key: "JobRunningTimeoutSec", Value: "90s"}, {Key: "Description", Value: "QEMU disk"},
			{Key: "Wants", Value: "c.service"}}}}
	}
	f := l.Load("dev-sda.device")
	if f.LoadState != Loaded {
		t.Fatalf("load: %s %v", f.LoadState, f.LoadError)
	}
	if f.Unit.Description != "Disk of host" {
		t.Errorf("Description = %q", f.Unit.Description)
	}
	if f.Unit.JobTimeout != 5*time.Second || f.Unit.JobRunningTimeout != 7*time.Second {
		t.Errorf("JobTimeout %s, JobRunningTimeout %s", f.Unit.JobTimeout, f.Unit.JobRunningTimeout)
	}
	wants := f.Unit.Deps[Wants]
	for _, w := range []string{"a.service", "b.service", "c.service"} {
		if !slices.Contains(wants, w) {
			t.Errorf("Wants = %v, no %s", wants, w)
		}
	}
	if len(f.DropInPaths) != 3 {
		t.Errorf("DropInPaths = %v", f.DropInPaths)
	}
	if len(f.Warnings) != 1 {
		t.Errorf("warnings %v, want the unknown section's", f.Warnings)
	}
	if !f.Unit.IgnoreOnIsolate {
		t.Error("a declared unit lost IgnoreOnIsolate")
	}
}
