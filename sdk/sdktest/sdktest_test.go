package sdktest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// TestSuiteCatchesALeakyPlugin runs the suite against testdata/leaky, which keeps state in its process and
// panics on a timer, in a child test process (the suite fails its *testing.T), and checks that the cases that
// must catch it fail.
func TestSuiteCatchesALeakyPlugin(t *testing.T) {
	bin := Build(t, "testdata/leaky")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSuite$", "-test.v")
	cmd.Env = append(os.Environ(), "SDKTEST_HELPER_PLUGIN="+bin)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed a plugin that keeps state in its process:\n%s", out)
	}
	for _, c := range []string{
		"state_round_trip_through_a_fresh_plugin_process",
		"batch_order",
		"every_event_kind_on_a_fresh_unit",
		"parse_errors_keep_file_and_line",
	} {
		if !strings.Contains(string(out), "--- FAIL: TestHelperSuite/"+c) {
			t.Errorf("case %q did not fail:\n%s", c, out)
		}
	}
	for _, c := range []string{"describe_names_the_type_and_a_version", "protocol_version_skew"} {
		if !strings.Contains(string(out), "--- PASS: TestHelperSuite/"+c) {
			t.Errorf("case %q did not pass:\n%s", c, out)
		}
	}
}

// TestHelperSuite is the child of TestSuiteCatchesALeakyPlugin; run by itself it has nothing to do.
func TestHelperSuite(t *testing.T) {
	bin := os.Getenv("SDKTEST_HELPER_PLUGIN")
	if bin == "" {
		return
	}
	Run(t, bin, Sample{
		Unit:     "sample.leaky",
		Sections: []*sdk.Section{{Name: "Leaky", Entries: []*sdk.Entry{{Key: "Any", Value: "x", File: "sample.leaky", Line: 2}}}},
		Bad:      []*sdk.Section{{Name: "Leaky", Entries: []*sdk.Entry{{Key: "Bad", Value: "x", File: "bad.leaky", Line: 2}}}},
	})
}
