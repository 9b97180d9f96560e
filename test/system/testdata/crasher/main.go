// Command crasher is a fault plugin for crash and backoff tests: a ".crash" unit's start kills the whole plugin
// process (os.Exit, which the SDK cannot catch as it catches panics) until the file its Crash.UnlessExists=
// names exists; then the unit becomes active.
//
//	[Crash]
//	UnlessExists=/run/crash.ok
package main

import (
	"os"

	"github.com/sysmaster/sysmaster/sdk"
)

type crasher struct{ sdk.Defaults }

func (crasher) Describe() sdk.Description {
	return sdk.Description{Type: "crash", Sections: []string{"Crash"}, Version: "1.0.0", StateVersion: 1}
}

func (crasher) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	if e, ok := req.Last("Crash", "UnlessExists"); ok {
		res.Config = []byte(e.Value)
	}
	return res
}

func (crasher) Handle(u *sdk.Unit, ev *sdk.Event) error {
	switch ev.Kind.(type) {
	case *sdk.EventStart:
		if _, err := os.Stat(string(u.Config)); err != nil {
			os.Exit(3)
		}
		u.SetState(sdk.Active, "running", "success")
	case *sdk.EventStop:
		u.SetState(sdk.Inactive, "dead", "success")
	}
	return nil
}

func main() { sdk.Serve(crasher{}) }
