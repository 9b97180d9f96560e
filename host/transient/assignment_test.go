package transient

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseAssignment(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Property
		err  string
	}{
		{in: "MemoryMax=1G", want: Property{"MemoryMax", uint64(1 << 30)}},
		{in: "MemoryHigh=infinity", want: Property{"MemoryHigh", uint64(math.MaxUint64)}},
		{in: "MemoryMax=", want: Property{"MemoryMax", uint64(math.MaxUint64)}},
		{in: "CPUQuota=20%", want: Property{"CPUQuotaPerSecUSec", uint64(200000)}},
		{in: "CPUQuota=150.5%", want: Property{"CPUQuotaPerSecUSec", uint64(1505000)}},
		{in: "CPUQuota=", want: Property{"CPUQuotaPerSecUSec", uint64(math.MaxUint64)}},
		{in: "CPUWeight=200", want: Property{"CPUWeight", uint64(200)}},
		{in: "TasksMax=16", want: Property{"TasksMax", uint64(16)}},
		{in: "TasksMax=infinity", want: Property{"TasksMax", uint64(math.MaxUint64)}},
		{in: "MemoryAccounting=no", want: Property{"MemoryAccounting", false}},
		{in: "Description=a b", want: Property{"Description", "a b"}},
		{in: "CPUWeight=0", err: "Failed to parse CPUWeight= value '0'"},
		{in: "MemoryMax=lots", err: "Failed to parse MemoryMax= value 'lots'"},
		{in: "CPUQuota=20", err: "Failed to parse CPUQuota= value '20'"},
		{in: "ExecStart=/bin/true", err: "Cannot set property ExecStart, or unknown property."},
		{in: "CPUQuotaPerSecUSec=1", err: "Cannot set property CPUQuotaPerSecUSec, or unknown property."},
		{in: "Nosuch=1", err: "Cannot set property Nosuch, or unknown property."},
		{in: "MemoryMax", err: "Not an assignment: MemoryMax"},
	} {
		got, err := ParseAssignment(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAssignment(%q) = %v, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseAssignment(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseAssignment: any input gives a property DropIns can write, or an error; never a panic.
func FuzzParseAssignment(f *testing.F) {
	for _, s := range []string{"MemoryMax=1G", "CPUQuota=20.5%", "MemoryMax=50%", "TasksMax=infinity", "Description=x", "CPUWeight=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseAssignment(s)
		if err != nil {
			return
		}
		if _, err := DropIns("a.service", []Property{p}); err != nil {
			t.Fatalf("ParseAssignment(%q) = %v, which DropIns refuses: %v", s, p, err)
		}
	})
}
