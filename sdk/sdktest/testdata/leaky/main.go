// Command leaky is a unit type that breaks the contract on purpose, for sdktest's own test: it keeps a count of
// events in its process instead of in the unit's state bytes, and it panics on a timer.
package main

import (
	"strconv"

	"github.com/sysmaster/sysmaster/sdk"
)

type leaky struct{ sdk.Defaults }

// seen is state a plugin must not keep: a fresh process starts it again at 0.
var seen int

func (leaky) Describe() sdk.Description {
	return sdk.Description{Type: "leaky", Sections: []string{"Leaky"}, Version: "0.0.1", StateVersion: 1}
}

func (leaky) Parse(*sdk.ParseRequest) *sdk.ParseResult { return &sdk.ParseResult{Config: []byte("{}")} }

func (leaky) Handle(u *sdk.Unit, ev *sdk.Event) error {
	if _, ok := ev.Kind.(*sdk.EventTimerFired); ok {
		panic("a timer")
	}
	seen++
	u.State = []byte(strconv.Itoa(seen))
	u.SetState(sdk.Active, "seen-"+strconv.Itoa(seen), "success")
	return nil
}

func main() { sdk.Serve(leaky{}) }
