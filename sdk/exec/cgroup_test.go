package exec

import (
	"math"
	"testing"
)

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
