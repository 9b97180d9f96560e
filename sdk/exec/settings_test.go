package exec

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

func TestSharedParserKnowsOnlyItsStructs(t *testing.T) {
	x, k, _, res := parseLines("User=a", "KillSignal=INT", "MemoryMax=1G", "Nope=1", "StandardInput=socket")
	if x.Exec.User != "a" || k.KillSignal != 2 || k.RestartKillSignal != 2 || x.Exec.StandardOutput != "inherit" {
		t.Errorf("%+v %+v", x.Exec, k)
	}
	if len(res.Problems) != 1 || res.Problems[0].Key != "Nope" || res.Problems[0].Severity != sdk.SeverityWarning ||
		res.Problems[0].Line != 4 || res.Problems[0].Section != "Test" {
		t.Errorf("%v", res.Problems)
	}
	// A parser without kill settings does not know KillMode=.
	res2 := &sdk.ParseResult{}
	x2 := DefaultExec()
	p := NewParser(res2, "Test", testEnv(), &x2, nil, nil)
	if p.Handle(&sdk.Entry{Key: "KillMode", Value: "mixed"}) || !p.Handle(&sdk.Entry{Key: "User", Value: "b"}) {
		t.Errorf("Handle")
	}
}

func TestBadValuesNameTheLine(t *testing.T) {
	for _, l := range []string{"User=a:b", "KillMode=some", "KillSignal=SIGNOPE", "SendSIGKILL=maybe", "UMask=9",
		"LimitNOFILE=x", "MemoryMax=lots", "StandardOutput=printer", "ExecX=1"} {
		_, _, _, res := parseLines("Nice=1", l)
		if l == "ExecX=1" {
			if res.Failed() {
				t.Errorf("%s: unknown keys are warnings", l)
			}
			continue
		}
		// User= is one of the keys systemd refuses a unit over; the rest are warnings, the line ignored.
		if len(res.Problems) != 1 || res.Failed() != (l == "User=a:b") || res.Problems[0].Line != 2 || res.Problems[0].File != "/u/a.test" {
			t.Errorf("%s: %v", l, res.Problems)
		}
	}
}

func TestDescribe(t *testing.T) {
	if got := Describe(1, 203); got != "code=exited, status=203/EXEC" {
		t.Error(got)
	}
	if got := DescribeStatus(1, 3); got != "code=exited, status=3" { // an LSB status: no name, as systemctl
		t.Errorf("DescribeStatus(1, 3) = %q", got)
	}
	if got := Describe(1, 3); got != "code=exited, status=3/NOTIMPLEMENTED" { // the log names it, as systemd's
		t.Errorf("Describe(1, 3) = %q", got)
	}
	if got := Describe(2, 15); got != "code=killed, signal=TERM" {
		t.Error(got)
	}
}
