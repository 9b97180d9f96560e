// Command fault is a unit-type plugin (type "fault", units "*.fault") that misbehaves on request, for the tests
// of a host's defences: hangs, slow answers, crashes, garbage, unknown actions, huge answers, a refused
// handshake. It is built on the public SDK only. A unit's [Fault] section says what its events do:
//
//	[Fault]
//	On=start             # the events that misbehave: start (the default), stop, or any
//	Hang=yes             # block in Handle for ever (until the host kills the plugin)
//	Sleep=2s             # take this long to answer each such event
//	Exit=3               # end the whole plugin process with this status (os.Exit: the SDK cannot catch it)
//	Reply=garbage        # answer with nonsense actions: an unknown active state, a kill of nobody with
//	                     # signal 999, main pid -7, a timer without id, an fd nobody holds, a job of an unknown
//	                     # type, a spawn without a command
//	Reply=unknown        # answer with an action kind this SDK does not know (as a newer plugin would), and
//	                     # DeclareUnit, which hosts need not carry out
//	Reply=huge           # answer with a log line of ReplySize bytes (default 8 MiB)
//	ReplySize=40M
//	HangOnEvent=3        # hang when the third event this process handles (counting every unit's) is one of
//	ExitOnEvent=3        # this unit's; exit 3 then. On, UnlessExists and Once do not apply to these two.
//	UnlessExists=/run/ok # no fault while this file exists
//	Once=/run/hung       # fault only while this file does not exist, and create it when faulting: the plugin
//	                     # launched after the faulting one behaves
//
// After the fault (or without one) a start makes the unit active ("running"), a stop inactive ("dead").
//
// A handshake fault cannot come from a unit: it is built into the binary,
//
//	go build -ldflags "-X main.handshake=refuse" ./sdk/sdktest/fault
//
// refuse: announce protocol version 99, which no host speaks; hang: never answer the handshake; exit: end at
// once with status 1.
package main

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/bytesize"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// handshake is set with -ldflags "-X main.handshake=…": refuse, hang or exit.
var handshake string

// faults is a unit's [Fault] section; it is the unit's config bytes, as JSON.
type faults struct {
	On           string        `json:"on,omitempty"`
	Hang         bool          `json:"hang,omitempty"`
	Sleep        time.Duration `json:"sleep,omitempty"`
	Exit         int           `json:"exit,omitempty"` // 0: none
	Reply        string        `json:"reply,omitempty"`
	ReplySize    int           `json:"reply_size,omitempty"`
	HangOnEvent  int           `json:"hang_on_event,omitempty"`
	ExitOnEvent  int           `json:"exit_on_event,omitempty"`
	UnlessExists string        `json:"unless_exists,omitempty"`
	Once         string        `json:"once,omitempty"`
}

type fault struct {
	sdk.Defaults
	events int // handled by this process
}

func (*fault) Describe() sdk.Description {
	return sdk.Description{Type: "fault", Sections: []string{"Fault"}, Version: "1.0.0", StateVersion: 1}
}

func (*fault) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	f := faults{On: "start", ReplySize: 8 << 20}
	var entries []*sdk.Entry
	if sec := req.Section("Fault"); sec != nil {
		entries = sec.Entries
	}
	for _, e := range entries {
		var err error
		switch e.Key {
		case "On":
			if e.Value != "start" && e.Value != "stop" && e.Value != "any" {
				res.Errorf(e, "Fault", e.Key, "%q is not start, stop or any", e.Value)
			}
			f.On = e.Value
		case "Hang":
			f.Hang, err = unitfile.ParseBool(e.Value)
		case "Sleep":
			f.Sleep, err = timespan.Parse(e.Value)
		case "Exit":
			f.Exit, err = strconv.Atoi(e.Value)
		case "Reply":
			if e.Value != "garbage" && e.Value != "unknown" && e.Value != "huge" {
				res.Errorf(e, "Fault", e.Key, "%q is not garbage, unknown or huge", e.Value)
			}
			f.Reply = e.Value
		case "ReplySize":
			var n uint64
			n, err = bytesize.Parse(e.Value)
			f.ReplySize = int(n)
		case "HangOnEvent":
			f.HangOnEvent, err = strconv.Atoi(e.Value)
		case "ExitOnEvent":
			f.ExitOnEvent, err = strconv.Atoi(e.Value)
		case "UnlessExists":
			f.UnlessExists = e.Value
		case "Once":
			f.Once = e.Value
		default:
			res.Errorf(e, "Fault", e.Key, "unknown key")
		}
		if err != nil {
			res.Errorf(e, "Fault", e.Key, "%v", err)
		}
	}
	res.Config, _ = json.Marshal(f)
	return res
}

func (p *fault) Handle(u *sdk.Unit, ev *sdk.Event) error {
	p.events++
	var f faults
	if err := json.Unmarshal(u.Config, &f); err != nil {
		return err
	}
	_, start := ev.Kind.(*sdk.EventStart)
	_, stop := ev.Kind.(*sdk.EventStop)
	if p.events == f.HangOnEvent {
		select {}
	}
	if p.events == f.ExitOnEvent {
		os.Exit(3)
	}
	if (f.On == "any" || f.On == "start" && start || f.On == "stop" && stop) && f.armed() {
		f.misbehave(u)
	}
	switch {
	case start:
		u.SetState(sdk.Active, "running", "success")
	case stop:
		u.SetState(sdk.Inactive, "dead", "success")
	}
	return nil
}

// armed reports whether the unit's faults apply now, and marks a Once fault as done.
func (f faults) armed() bool {
	if f.UnlessExists != "" {
		if _, err := os.Stat(f.UnlessExists); err == nil {
			return false
		}
	}
	if f.Once != "" {
		if _, err := os.Stat(f.Once); err == nil {
			return false
		}
		if err := os.WriteFile(f.Once, nil, 0o644); err != nil {
			return false
		}
	}
	return true
}

func (f faults) misbehave(u *sdk.Unit) {
	if f.Sleep > 0 {
		time.Sleep(f.Sleep)
	}
	if f.Exit != 0 {
		os.Exit(f.Exit)
	}
	if f.Hang {
		select {}
	}
	switch f.Reply {
	case "garbage":
		u.SetState(sdk.ActiveState(99), "", "no-such-result")
		u.Kill(sdk.Whom(42), 999)
		u.SetMainPid(-7)
		u.ArmTimer("", 1<<63)
		u.DisarmTimer("")
		u.CloseFd("nobody-holds-this")
		u.WatchFd("nobody-holds-this", true)
		u.EnqueueJob("no-such-unit.fault", "explode", "sideways")
		u.Spawn(&sdk.Spawn{})
		u.State = []byte{0xde, 0xad, 0xbe, 0xef}
	case "unknown":
		u.DeclareUnit("declared.fault", nil)
		unknownAction(u)
	case "huge":
		u.Logf("%s", strings.Repeat("x", f.ReplySize))
	}
}

// unknownAction records an action whose kind is field 999 of the Action message, which no version of the
// contract defines: what a host sees from a plugin built against a newer contract than its own.
func unknownAction(u *sdk.Unit) {
	u.Logf("an action of an unknown kind follows")
	u.Do(&sdk.UnknownAction{Field: 999, Payload: "from the future"})
}

func main() {
	switch handshake {
	case "refuse":
		sdk.Serve(&fault{}, sdk.WithProtocolVersion(99))
	case "hang":
		select {}
	case "exit":
		os.Exit(1)
	}
	sdk.Serve(&fault{})
}
