package dbusapi

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/pkg/timespan"
)

// busValue is p's value in the D-Bus type sig, the type systemd declares for the property. p comes from the
// same computation as `sctl show` (one source): its Raw value when it has one, else its text parsed back. A
// property whose text cannot be read as sig (or whose type is a structure systemctl show prints in a form of its
// own, such as ExecStart's) is left out: ok is false.
func busValue(sig string, p api.Property) (v any, ok bool) {
	if p.Raw != nil {
		if v, ok := rawValue(sig, p.Raw); ok {
			return v, true
		}
	}
	s := p.Value
	switch sig {
	case "s":
		return s, true
	case "o":
		if !dbus.ObjectPath(s).IsValid() {
			return nil, false
		}
		return dbus.ObjectPath(s), true
	case "b":
		switch s {
		case "yes", "true", "1":
			return true, true
		case "no", "false", "0", "":
			return false, true
		}
		return nil, false
	case "as":
		return splitList(p.Name, s), true
	case "ay": // an id128 (InvocationID) shown as hex; empty when unset
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, false
		}
		return b, true
	case "y", "q", "u", "t", "n", "i", "x", "d":
		return number(sig, p.Name, s)
	}
	return nil, false
}

// rawValue converts a Raw value (bool, int64, uint64) to sig.
func rawValue(sig string, raw any) (any, bool) {
	switch r := raw.(type) {
	case bool:
		if sig == "b" {
			return r, true
		}
	case int64:
		return intAs(sig, r, uint64(r), r < 0)
	case uint64:
		return intAs(sig, int64(r), r, false)
	case []string:
		if sig == "as" {
			return append([]string{}, r...), true
		}
	}
	return nil, false
}

// intAs is an integer in sig: its signed value i, its unsigned value u, and whether it is negative. A value
// beyond the type's range is the type's maximum (systemd's "infinity"); a negative one is 0 in an unsigned type.
func intAs(sig string, i int64, u uint64, neg bool) (any, bool) {
	if neg {
		u = 0
	} else if u > math.MaxInt64 {
		i = math.MaxInt64
	}
	switch sig {
	case "y":
		return uint8(min(u, math.MaxUint8)), true
	case "q":
		return uint16(min(u, math.MaxUint16)), true
	case "u":
		return uint32(min(u, math.MaxUint32)), true
	case "t":
		return u, true
	case "n":
		return int16(max(min(i, math.MaxInt16), math.MinInt16)), true
	case "i":
		return int32(max(min(i, math.MaxInt32), math.MinInt32)), true
	case "x":
		return i, true
	case "d":
		return float64(i), true
	}
	return nil, false
}

// number parses a number systemctl show printed: a plain integer, "infinity", a time span (for *USec and *Sec
// properties) or a size.
func number(sig, name, s string) (any, bool) {
	switch s {
	case "":
		return intAs(sig, 0, 0, false)
	case "infinity", "[not set]":
		return intAs(sig, math.MaxInt64, math.MaxUint64, false)
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intAs(sig, i, uint64(i), i < 0)
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return intAs(sig, int64(u), u, false)
	}
	if sig == "d" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
	}
	if strings.HasSuffix(name, "USec") || strings.HasSuffix(name, "Sec") {
		if us, err := timespan.ParseUSec(s); err == nil {
			return intAs(sig, int64(us), us, false)
		}
	}
	return nil, false
}

// splitList splits a space-separated list systemctl show printed; Documentation's entries are quoted.
func splitList(name, s string) []string {
	out := []string{}
	if name == "Documentation" {
		for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return append(out, strings.Fields(s)...)
			}
			u, _ := strconv.Unquote(q)
			out, s = append(out, u), s[len(q):]
		}
		return out
	}
	return append(out, strings.Fields(s)...)
}
