package rules

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/device"
)

type unitCases struct {
	ParseValue []struct {
		Line        int     `json:"line"`
		Input       string  `json:"input"`
		ExpectOK    bool    `json:"expect_ok"`
		ExpectValue *string `json:"expect_value"`
	} `json:"udev_rule_parse_value"`
	SubsysKernel []struct {
		Line      int     `json:"line"`
		Input     string  `json:"input"`
		ReadValue bool    `json:"read_value"`
		ExpectOK  bool    `json:"expect_ok"`
		Expect    *string `json:"expect"`
	} `json:"udev_resolve_subsys_kernel"`
}

func loadUnitCases(t *testing.T) unitCases {
	t.Helper()
	b, err := os.ReadFile("testdata/udev-unit-test-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c unitCases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestParseValue is systemd's test-udev-rules.c (udev_rule_parse_value).
func TestParseValue(t *testing.T) {
	cases := loadUnitCases(t).ParseValue
	if len(cases) != 19 {
		t.Fatalf("%d cases, want 19", len(cases))
	}
	for _, c := range cases {
		v, _, err := ParseValue(c.Input)
		if (err == nil) != c.ExpectOK {
			t.Errorf("line %d: ParseValue(%q) error %v, want ok=%v", c.Line, c.Input, err, c.ExpectOK)
			continue
		}
		if c.ExpectOK && v != *c.ExpectValue {
			t.Errorf("line %d: ParseValue(%q) = %q, want %q", c.Line, c.Input, v, *c.ExpectValue)
		}
	}
}

// TestResolveSubsysKernel is systemd's test-udev-format.c: "[subsystem/sysname]attribute" against the real
// /sys/devices/virtual/net/lo.
func TestResolveSubsysKernel(t *testing.T) {
	cases := loadUnitCases(t).SubsysKernel
	if len(cases) != 14 {
		t.Fatalf("%d cases, want 14", len(cases))
	}
	for _, c := range cases {
		got, err := device.Sysfs{}.ResolveSubsysKernel(c.Input, c.ReadValue)
		if (err == nil) != c.ExpectOK {
			t.Errorf("line %d: %q (read %v): error %v, want ok=%v", c.Line, c.Input, c.ReadValue, err, c.ExpectOK)
			continue
		}
		if c.ExpectOK && got != *c.Expect {
			t.Errorf("line %d: %q (read %v) = %q, want %q", c.Line, c.Input, c.ReadValue, got, *c.Expect)
		}
	}
}

func FuzzParseValue(f *testing.F) {
	for _, s := range []string{`"a"`, `e"\x41\u00e9"`, `e"\\"`, `"a\"b"`, `e"\101"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, rest, err := ParseValue(s)
		if err == nil && len(rest) > len(s) {
			t.Fatalf("rest %q longer than input %q (value %q)", rest, s, v)
		}
	})
}
