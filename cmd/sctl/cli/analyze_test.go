package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/calendar"
)

// runAnalyze runs `sctl analyze argv…` with the clock now and the local zone local.
func runAnalyze(argv []string, now func() time.Time, local *time.Location) (string, string, int) {
	var out, errb bytes.Buffer
	a := &analyzer{stdout: &out, stderr: &errb, now: now, local: local, iterations: 1}
	code := a.run(argv)
	return out.String(), errb.String(), code
}

func TestAnalyzeMicroGlyph(t *testing.T) {
	for _, c := range []struct {
		lcAll, lang, want string
	}{{"", "C.UTF-8", "      μs: 1000000"}, {"C", "C.UTF-8", "      us: 1000000"}, {"", "", "      μs: 1000000"}, {"", "POSIX", "      us: 1000000"}} {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_CTYPE", "")
		t.Setenv("LANG", c.lang)
		out, _, _ := runAnalyze([]string{"timespan", "1s"}, time.Now, time.UTC)
		if lines := strings.Split(out, "\n"); len(lines) < 2 || lines[1] != c.want {
			t.Errorf("LC_ALL=%q LANG=%q: %q, want %q", c.lcAll, c.lang, out, c.want)
		}
	}
}

func TestAnalyzeArgs(t *testing.T) {
	cases := []struct {
		argv []string
		want []string
		ok   bool
	}{
		{[]string{"analyze", "calendar", "daily"}, []string{"calendar", "daily"}, true},
		{[]string{"--no-pager", "analyze", "--iterations=3", "calendar", "x"}, []string{"--no-pager", "--iterations=3", "calendar", "x"}, true},
		{[]string{"status", "analyze"}, nil, false},
		{[]string{"--", "analyze"}, nil, false},
	}
	for _, c := range cases {
		got, ok := analyzeArgs(c.argv)
		if ok != c.ok || strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("analyzeArgs(%q) = %q, %v", c.argv, got, ok)
		}
	}
}

// TestAnalyzeOutput: systemd-analyze 252's output for fixed inputs, now and zone (taken from it).
func TestAnalyzeOutput(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 12, 58, 51, 178312000, time.UTC)
	cases := []struct {
		name           string
		argv           []string
		loc            *time.Location
		stdout, stderr string
		code           int
	}{
		{"calendar", []string{"calendar", "--iterations=2", "daily", "bogus", "*-02-30"}, time.UTC, `  Original form: daily
Normalized form: *-*-* 00:00:00
    Next elapse: Tue 2026-12-08 00:00:00 UTC
       From now: 11h left
       Iter. #2: Wed 2026-12-09 00:00:00 UTC
       From now: 1 day 11h left


  Original form: *-02-30
Normalized form: *-02-30 00:00:00
    Next elapse: never
`, "Failed to parse calendar specification 'bogus': Invalid argument\n", 1},
		{"calendar in a zone with a base time", []string{"calendar", "--iterations", "2", "--base-time", "2024-01-01 UTC", "Sat 01:00"}, berlin,
			`  Original form: Sat 01:00
Normalized form: Sat *-*-* 01:00:00
    Next elapse: Sat 2024-01-06 01:00:00 CET
       (in UTC): Sat 2024-01-06 00:00:00 UTC
       From now: 2 years 11 months ago
       Iter. #2: Sat 2024-01-13 01:00:00 CET
       (in UTC): Sat 2024-01-13 00:00:00 UTC
       From now: 2 years 10 months ago
`, "", 0},
		{"calendar already normal", []string{"calendar", "2199-12-31 23:59:59 UTC", "00:00:2300"}, time.UTC,
			`Normalized form: 2199-12-31 23:59:59 UTC
    Next elapse: Tue 2199-12-31 23:59:59 UTC
       From now: 173 years 0 months left

`, "Failed to parse calendar specification '00:00:2300': Numerical result out of range\n", 1},
		{"timespan stops at the first bad span", []string{"timespan", "1.5s", "bad", "1s"}, time.UTC, `Original: 1.5s
      μs: 1500000
   Human: 1.500000s

`, "Failed to parse time span 'bad': Invalid argument\n", 1},
		{"timestamp", []string{"timestamp", "@1234567890", "bogus", "yesterday", "2023-01-01", "@0"}, berlin,
			`  Original form: @1234567890
Normalized form: Sat 2009-02-14 00:31:30 CET
       (in UTC): Fri 2009-02-13 23:31:30 UTC
   UNIX seconds: @1234567890
       From now: 17 years 9 months ago


  Original form: yesterday
Normalized form: Sun 2026-12-06 00:00:00 CET
       (in UTC): Sat 2026-12-05 23:00:00 UTC
   UNIX seconds: @1796511600
       From now: 1 day 13h ago

  Original form: 2023-01-01
Normalized form: Sun 2023-01-01 00:00:00 CET
       (in UTC): Sat 2022-12-31 23:00:00 UTC
   UNIX seconds: @1672527600
       From now: 3 years 11 months ago

  Original form: @0
Normalized form: -
       (in UTC): -
   UNIX seconds: @0
       From now: -
`, "Failed to parse \"bogus\": Invalid argument\n", 1},
		{"hints", []string{"timestamp", "5min", "-"}, time.UTC, "\n",
			"Failed to parse \"5min\": Invalid argument\n" +
				"Hint: this expression is a valid timespan. Use 'systemd-analyze timespan \"5min\"' instead?\n" +
				"Failed to parse \"-\": Invalid argument\n", 1},
		{"unknown option", []string{"--frob", "calendar", "x"}, time.UTC, "", "sctl analyze: unrecognized option '--frob'\n", 1},
		{"unknown option with a value", []string{"calendar", "--frob=1", "x"}, time.UTC, "", "sctl analyze: unrecognized option '--frob=1'\n", 1},
		{"unknown short option", []string{"-x", "calendar", "x"}, time.UTC, "", "sctl analyze: invalid option -- 'x'\n", 1},
		{"missing value", []string{"calendar", "x", "--iterations"}, time.UTC, "", "sctl analyze: option '--iterations' requires an argument\n", 1},
		{"switch with a value", []string{"--no-pager=1", "calendar", "x"}, time.UTC, "", "sctl analyze: option '--no-pager' doesn't allow an argument\n", 1},
		{"help", []string{"calendar", "--help", "x"}, time.UTC, analyzeHelp, "", 0},
		{"bad iterations", []string{"--iterations=x", "calendar", "x"}, time.UTC, "", "Failed to parse iterations: x\n", 1},
		{"bad base time", []string{"--base-time=bogus", "calendar", "x"}, time.UTC, "", "Failed to parse --base-time= parameter: bogus\n", 1},
		{"too few", []string{"calendar"}, time.UTC, "", "Too few arguments.\n", 1},
		{"unknown verb", []string{"frob", "x"}, time.UTC, "", "Unknown command verb 'frob'.\n", 1},
		{"relative timestamp after the verb", []string{"timestamp", "-1h"}, time.UTC, `  Original form: -1h
Normalized form: Mon 2026-12-07 11:58:51 UTC
   UNIX seconds: @1796644731.178312
       From now: 1h 0min ago
`, "", 0},
		// systemd-analyze takes "-1h" for options; sctl, once the verb is read, for an argument, even after options.
		{"relative timestamp after options after the verb", []string{"timestamp", "--no-pager", "-1h", "--system"}, time.UTC,
			`  Original form: -1h
Normalized form: Mon 2026-12-07 11:58:51 UTC
   UNIX seconds: @1796644731.178312
       From now: 1h 0min ago
`, "", 0},
		{"an option's value that looks negative", []string{"calendar", "--base-time", "-1h", "--iterations", "1", "12:00"}, time.UTC,
			`  Original form: 12:00
Normalized form: *-*-* 12:00:00
    Next elapse: Mon 2026-12-07 12:00:00 UTC
       From now: 58min ago
`, "", 0},
		{"arguments after --", []string{"timestamp", "--", "--system"}, time.UTC, "", "Failed to parse \"--system\": Numerical result out of range\n", 1}, // as systemd-analyze
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := runAnalyze(c.argv, func() time.Time { return now }, c.loc)
			if out != c.stdout || errs != c.stderr || code != c.code {
				t.Errorf("sctl analyze %q:\nstdout:\n%s\nstderr:\n%s\nexit %d; want\nstdout:\n%s\nstderr:\n%s\nexit %d",
					c.argv, out, errs, code, c.stdout, c.stderr, c.code)
			}
		})
	}
}

// TestAnalyzeMatchesSystemdAnalyze runs the host's systemd-analyze (252 on Debian 12) and sctl analyze on the same
// expressions, zones and base time and compares every line. Lines that depend on the moment the command runs
// ("From now", timestamps of "now") are compared when sctl gives the same line just before and just after
// systemd-analyze ran.
func TestAnalyzeMatchesSystemdAnalyze(t *testing.T) {
	const bin = "/usr/bin/systemd-analyze"
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.HasPrefix(string(out), "systemd 252 ") {
		t.Skipf("%s is not systemd 252's (%v): the output compared is 252's", bin, err)
	}
	b, err := os.ReadFile("../../../pkg/calendar/testdata/calendarspec-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var peer struct {
		Normalize   []struct{ Input string }
		NextElapse  []struct{ Input string } `json:"next_elapse"`
		ParseErrors []struct{ Input string } `json:"parse_errors"`
	}
	if err := json.Unmarshal(b, &peer); err != nil {
		t.Fatal(err)
	}
	calendars := []string{"minutely", "hourly", "daily", "weekly", "monthly", "quarterly", "semiannually", "yearly",
		"annually", "bi-annually", "Mon..Fri 09:00", "Sat *-*-1..7 04:00", "*-*~07/1", "*-02-29", "*:0/15",
		"*:*:0/10.5", "Sun *-*-* 01:30", "*-*-* 02:30", "*-*-* 01:00..03:00/20", "Fri *-*-13", "*-*-31",
		"00/2:30", "*-1..3~1,2 03:30", "*-*-* 00:00:00.5/0.25", "Mon 2017-05~01..07", "6:00 CET", "12:00 CEST",
		"12:00 EST", "12:00 EDT", "12:00 NZDT", "daily Europe/London", "*-*-* 02:30:00 America/New_York"}
	for _, c := range peer.Normalize {
		calendars = append(calendars, c.Input)
	}
	for _, c := range peer.NextElapse {
		calendars = append(calendars, c.Input)
	}
	for _, c := range peer.ParseErrors {
		if !strings.Contains(c.Input, "\n") {
			calendars = append(calendars, c.Input)
		}
	}
	timestamps := []string{"now", "today", "yesterday", "tomorrow", "+5min", "-1h 30s", "3 days ago", "10min left",
		"@1234567890", "@1.5", "@0", "@253402214400", "2012-09-22 16:34:22", "2012-09-22 16:34:22.5", "12-09-22",
		"Sat 2012-09-22 16:34", "Sun 2012-09-22", "sep 22 16:34:22", "Dec 7 01:00:00.1234567", "2012-02-30",
		"16:34", "01:02:03", "2012-9-2 1:2", "  2012-09-22", "2023-03-26 02:30", "2023-10-29 02:30", "2021-03-28 01:30",
		"2012-07-22 16:34 CEST", "2012-01-22 16:34 CET", "today UTC", "2023-01-01 utc",
		"2023-11-05 01:30 EST", "2023-11-05 01:30 EDT", "2012-09-22T16:34:22", "20120922163422", "1969-12-31",
		"bogus", "5min", "daily", "+-5", "@-1", "now UTC", "2012-09-22 16:34 Z"}
	// A wall-clock time that a daylight-saving change repeats ("2021-10-31 01:30" in Dublin) is left out: glibc's
	// mktime picks one of its two readings by the offset of its previous result in the process, which a test
	// cannot follow ("2023-10-29 02:30" in Berlin is in, as both agree there).
	// systemd-analyze 252 refuses every timestamp that ends in a zone file name other than "UTC" ("… CET",
	// "… Asia/Tokyo", even in the CET zone): a bug later versions fixed; sctl takes them (docs/time.md).
	timestamps = slices.DeleteFunc(timestamps, func(s string) bool {
		i := strings.LastIndexByte(s, ' ')
		_, zoned := calendar.LoadZone(s[i+1:])
		return i >= 0 && zoned && !strings.EqualFold(s[i+1:], "UTC")
	})
	spans := []string{"1.5s", "1y 3w", "infinity", "0", "5", "1min 30s", "61.5s", "59.999999s", "1.0000005s",
		"300y", "1y 1us", "3.1s.2", "12.34 .56", "+5", "1.5ms", "2h 5min 7s 1ms", "1M", "0.5us", "584942y", "x"}
	base := "--base-time=2021-03-27 22:30:00 UTC" // just before Europe's spring-forward
	for _, zone := range []string{"UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland", "Europe/Dublin",
		"Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, argv := range [][]string{
			append([]string{"calendar", "--iterations=5", base, "--"}, calendars...),
			append([]string{"timestamp", "--"}, timestamps...),
			append([]string{"timespan"}, spans...),
		} {
			t.Run(zone+"/"+argv[0], func(t *testing.T) {
				compareWithSystemdAnalyze(t, bin, zone, loc, argv)
			})
		}
	}
}

func compareWithSystemdAnalyze(t *testing.T, bin, zone string, loc *time.Location, argv []string) {
	out0, err0, code0 := runAnalyze(argv, time.Now, loc)
	cmd := exec.Command(bin, argv...)
	cmd.Env = append(os.Environ(), "TZ="+zone, "SYSTEMD_COLORS=0")
	var sout, serr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &sout, &serr
	err := cmd.Run()
	out1, err1, _ := runAnalyze(argv, time.Now, loc)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != code0 {
		t.Errorf("exit code %d, systemd-analyze %d", code0, code)
	}
	sysErr := strings.ReplaceAll(serr.String(), "systemd-analyze: ", "sctl analyze: ")
	compareLines(t, "stdout", out0, out1, sout.String())
	compareLines(t, "stderr", err0, err1, sysErr)
}

func compareLines(t *testing.T, what, before, after, sys string) {
	b, a, s := strings.Split(before, "\n"), strings.Split(after, "\n"), strings.Split(sys, "\n")
	if len(b) != len(s) {
		t.Errorf("%s: %d lines, systemd-analyze %d:\n%s\n--- systemd-analyze:\n%s", what, len(b), len(s), before, sys)
		return
	}
	for i := range b {
		if b[i] == a[i] && b[i] != s[i] {
			t.Errorf("%s line %d: %q, systemd-analyze %q", what, i+1, b[i], s[i])
		}
	}
}

// FuzzAnalyzeArgs: any command line parses, its arguments being words of it in their order, or fails with
// getopt's words or an option's own message.
func FuzzAnalyzeArgs(f *testing.F) {
	f.Add("--iterations=3\x00calendar\x00--base-time\x00-1h\x00daily")
	f.Add("timestamp\x00--no-pager\x00-1h\x00--\x00--system")
	f.Add("-x\x00--frob=1\x00--iterations")
	f.Fuzz(func(t *testing.T, line string) {
		argv := strings.Split(line, "\x00")
		a := &analyzer{now: time.Now, local: time.UTC, iterations: 1}
		rest, _, err := a.parse(argv)
		if err != nil {
			if msg := optionError("sctl analyze", err, argv); !strings.HasPrefix(msg, "sctl analyze: ") && !strings.HasPrefix(msg, "Failed to parse ") {
				t.Fatalf("%q: %q", argv, msg)
			}
			return
		}
		words := argv
		for _, w := range rest {
			i := slices.Index(words, w)
			if i < 0 {
				t.Fatalf("%q: %q is not a subsequence", argv, rest)
			}
			words = words[i+1:]
		}
	})
}
