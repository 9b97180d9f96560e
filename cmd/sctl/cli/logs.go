package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// logs prints units' logs as journalctl -u does: `sctl logs [-f] [-n N] [--since TIME] UNIT…`.
func logs(e *env, args []string) int {
	lines := int32(-1)
	if e.o.lines != "" {
		n, err := strconv.Atoi(e.o.lines)
		if err != nil || n < 0 {
			e.errorf("Failed to parse lines '%s'", e.o.lines)
			return exitFailure
		}
		lines = int32(n)
	}
	var since int64
	if e.o.since != "" {
		t, err := parseSince(e.o.since, time.Now())
		if err != nil {
			e.errorf("Failed to parse timestamp: %s", e.o.since)
			return exitFailure
		}
		since = t.UnixMicro()
	}
	stream, err := e.c.Logs(e.ctx, &controlv1.LogsRequest{
		Units: unitNames(args), Lines: lines, SinceUsec: since, Follow: e.o.force > 0 || e.o.follow,
	})
	if err != nil {
		return e.callFailed("read logs", err)
	}
	host, _ := os.Hostname()
	for {
		entry, err := stream.Recv()
		if err == io.EOF {
			return exitOK
		}
		if err != nil {
			// The client translates the errors of unary calls only: a stream's keeps its gRPC code.
			return e.callFailed("read logs", errdefs.FromGRPC(err))
		}
		fmt.Fprintln(e.stdout, formatEntry(entry, host))
	}
}

// formatEntry is journalctl's short format: "Nov 30 01:02:03 host ident: text", the manager's lines under
// "sysmaster", a unit's output under its SyslogIdentifier= or its command's name.
func formatEntry(en *controlv1.LogEntry, host string) string {
	ident := en.Ident
	switch {
	case en.Source == "manager":
		ident = "sysmaster"
	case ident == "":
		ident = strings.TrimSuffix(en.Unit, ".service")
	}
	return fmt.Sprintf("%s %s %s: %s", time.UnixMicro(en.TimeUsec).Format(time.Stamp), host, ident, en.Text)
}

// parseSince reads journalctl's --since forms: "now", "today", "yesterday", "@EPOCH", "-SPAN" or "SPAN ago",
// "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", "HH:MM[:SS]" (today).
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch s {
	case "now":
		return now, nil
	case "today":
		return day, nil
	case "yesterday":
		return day.AddDate(0, 0, -1), nil
	}
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		sec, err := strconv.ParseFloat(rest, 64)
		if err != nil {
			return time.Time{}, err
		}
		return time.Unix(0, int64(sec*1e9)), nil
	}
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		d, err := timespan.Parse(rest)
		return now.Add(-d), err
	}
	if rest, ok := strings.CutSuffix(s, " ago"); ok {
		d, err := timespan.Parse(rest)
		return now.Add(-d), err
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second), nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown time %q", s)
}

// kill sends a signal to units' processes: `sctl kill [--kill-whom=main|control|all] [-s SIGNAL] UNIT…`.
func kill(e *env, args []string) int {
	sig := unix.SIGTERM
	if e.o.signal != "" {
		s, err := parseSignal(e.o.signal)
		if err != nil {
			e.errorf("Failed to parse signal string %s.", e.o.signal)
			return exitFailure
		}
		sig = s
	}
	units, err := e.expandNames(args)
	if err != nil {
		return e.callFailed("expand unit names", err)
	}
	if nothingMatched(args, units) {
		return exitOK
	}
	if _, err := e.c.Kill(e.ctx, &controlv1.KillRequest{Units: units, Whom: e.o.killWhom, Signal: int32(sig)}); err != nil {
		return e.callFailed("kill unit "+joinUnits(units), err)
	}
	return exitOK
}

// parseSignal reads "SIGHUP", "HUP", "hup" or "1".
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return 0, fmt.Errorf("signal %d out of range", n)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}
