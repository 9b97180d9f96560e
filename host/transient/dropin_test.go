package transient

import (
	"math"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// SetUnitProperties' drop-ins: the file systemd writes for each property, in the section of the unit's type.
func TestDropIns(t *testing.T) {
	got, err := DropIns("user-1000.slice", []Property{{"TasksMax", uint64(33)}, {"MemoryMax", uint64(math.MaxUint64)},
		{"CPUQuotaPerSecUSec", uint64(200000)}, {"Description", "Users"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []DropIn{
		{"50-TasksMax.conf", DropInHeader + "[Slice]\nTasksMax=33\n"},
		{"50-MemoryMax.conf", DropInHeader + "[Slice]\nMemoryMax=infinity\n"},
		{"50-CPUQuota.conf", DropInHeader + "[Slice]\nCPUQuota=20.00%\n"},
		{"50-Description.conf", DropInHeader + "[Unit]\nDescription=Users\n"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("drop-in %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// A property systemd sets only on a transient unit being made, an unknown one, one not of the unit's type or a bad
// value is an InvalidArgument error naming it.
func TestDropInsRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		props []Property
		want  string
	}{
		{"x.service", []Property{{"Frobnicate", "yes"}}, "Frobnicate"},
		{"x.service", []Property{{"ExecStart", []ExecCommand{{Path: "/bin/true", Argv: []string{"true"}}}}}, "ExecStart"},
		{"x.service", []Property{{"KillMode", "process"}}, "KillMode"},
		{"x.target", []Property{{"TasksMax", uint64(3)}}, "TasksMax"},
		{"x.service", []Property{{"TasksMax", "3"}}, "TasksMax"},
		{"x.service", []Property{{"Description", "two\nlines"}}, "Description"},
	} {
		_, err := DropIns(c.name, c.props)
		if err == nil || !errdefs.IsInvalidArgument(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: %v", c.name, c.props, err)
		}
	}
}
