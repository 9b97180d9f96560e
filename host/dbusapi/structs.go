package dbusapi

import (
	"github.com/sysmaster/sysmaster/host/api"
)

// The Go types of the structures systemd's properties hold, field for field in the declared signature (godbus
// sends a struct's fields in order).

type execCommand struct { // (sasbttttuii)
	Path                                                 string
	Argv                                                 []string
	IgnoreErrors                                         bool
	StartRealtime, StartMonotonic, ExitRealtime, ExitMon uint64
	Pid                                                  uint32
	Code, Status                                         int32
}

type execCommandEx struct { // (sasasttttuii)
	Path                                                 string
	Argv                                                 []string
	Flags                                                []string
	StartRealtime, StartMonotonic, ExitRealtime, ExitMon uint64
	Pid                                                  uint32
	Code, Status                                         int32
}

type conditionStruct struct { // (sbbsi)
	Type            string
	Trigger, Negate bool
	Param           string
	State           int32
}

type stringPair struct{ A, B string } // (ss)

type monotonicTimer struct { // (stt)
	Base           string
	USec, NextUSec uint64
}

type calendarTimer struct { // (sst)
	Base, Spec string
	NextUSec   uint64
}

// structured is a host/api structure in the D-Bus type sig, ok false for any other value or type.
func structured(sig string, raw any) (any, bool) {
	switch r := raw.(type) {
	case api.ExecCommands:
		switch sig {
		case "a(sasbttttuii)":
			out := make([]execCommand, len(r))
			for i, e := range r {
				out[i] = execCommand{e.Path, nonNil(e.Argv), e.IgnoreFailure(), e.StartRealtime, e.StartMonotonic,
					e.ExitRealtime, e.ExitMonotonic, e.Pid, e.Code, e.Status.Status}
			}
			return out, true
		case "a(sasasttttuii)":
			out := make([]execCommandEx, len(r))
			for i, e := range r {
				out[i] = execCommandEx{e.Path, nonNil(e.Argv), nonNil(e.Flags), e.StartRealtime, e.StartMonotonic,
					e.ExitRealtime, e.ExitMonotonic, e.Pid, e.Code, e.Status.Status}
			}
			return out, true
		}
	case api.Conditions:
		if sig == "a(sbbsi)" {
			out := make([]conditionStruct, len(r))
			for i, c := range r {
				out[i] = conditionStruct(c)
			}
			return out, true
		}
	case api.Addresses:
		if sig == "a(ss)" {
			out := make([]stringPair, len(r))
			for i, a := range r {
				out[i] = stringPair{a[0], a[1]}
			}
			return out, true
		}
	case api.MonotonicTimers:
		if sig == "a(stt)" {
			out := make([]monotonicTimer, len(r))
			for i, t := range r {
				out[i] = monotonicTimer(t)
			}
			return out, true
		}
	case api.CalendarTimers:
		if sig == "a(sst)" {
			out := make([]calendarTimer, len(r))
			for i, t := range r {
				out[i] = calendarTimer(t)
			}
			return out, true
		}
	}
	return nil, false
}

// nonNil is l, or an empty list for nil (an array is never absent on the wire; godbus needs a value).
func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
