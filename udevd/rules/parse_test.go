package rules

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// devmasterDifferences are the lines sysMaster's devmaster accepts that udevd 252 drops (we follow udevd).
var devmasterDifferences = map[string]string{
	`OPTIONS+="log_level=rest"`: `udevd 252: "Failed to parse log level 'rest'", the line is dropped`,
	`OPTIONS+="log_level=10"`:   `udevd 252: levels are 0..7 or a name, the line is dropped`,
}

// TestDevmasterCases are the rule lines sysMaster's devmaster loads (accept) or refuses (reject). A refused line
// must not take effect and must be reported; an accepted one must not be dropped for an error.
func TestDevmasterCases(t *testing.T) {
	b, err := os.ReadFile("testdata/sysmaster-devmaster-rules-parse-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases struct {
		Accept, Reject []struct {
			Rule    string `json:"rule"`
			Line    int    `json:"line"`
			Comment string `json:"comment"`
		}
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases.Accept) != 38 || len(cases.Reject) != 86 {
		t.Fatalf("%d accept and %d reject cases, want 38 and 86", len(cases.Accept), len(cases.Reject))
	}
	for _, c := range cases.Accept {
		f, diags, err := ParseFile("accept.rules", strings.NewReader(c.Rule+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		dropped := false
		for _, d := range diags {
			if d.Drop && d.Level == LevelError {
				dropped = true
			}
		}
		if why, ok := devmasterDifferences[c.Rule]; ok {
			if !dropped {
				t.Errorf("rules_load.rs:%d %q: documented as dropped (%s), but it loaded", c.Line, c.Rule, why)
			}
			continue
		}
		if dropped {
			t.Errorf("rules_load.rs:%d %q (%s): dropped: %v", c.Line, c.Rule, c.Comment, diags)
		}
		_ = f
	}
	for _, c := range cases.Reject {
		f, diags, err := ParseFile("reject.rules", strings.NewReader(c.Rule+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Lines) != 0 || len(diags) == 0 {
			t.Errorf("rules_load.rs:%d %q (%s): loaded %d lines with diagnostics %v", c.Line, c.Rule, c.Comment, len(f.Lines), diags)
		}
	}
}

func TestParseFile(t *testing.T) {
	text := strings.Join([]string{
		`# comment`,
		`KERNEL=="sda", GOTO="nowhere"`,
		`KERNEL=="sda", SYMLINK+="a", \`,
		`  SYMLINK+="b"`,
		`KERNEL="sda", SYMLINK+="dropped"`,
		`SYMLINK+="x", RESULT=="y", PROGRAM=="/bin/true", KERNEL=="k"`,
		`FOO="bar"`,
		`ENV{X}="1", GOTO="end"`,
		`LABEL="end"`,
		`KERNEL=="sda", SYMLINK+="cont" \`,
	}, "\n") + "\n"
	f, diags, err := ParseFile("t.rules", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.String())
	}
	want := []string{
		"t.rules:5 Invalid operator for KERNEL.",
		"t.rules:7 Invalid key 'FOO'.",
		"t.rules:10 Unexpected EOF after line continuation, line ignored.",
		`t.rules:2 GOTO="nowhere" has no matching label, ignoring`,
		"t.rules:2 The line takes no effect any more, dropping",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	// Lines 2 (kept, inert), 3 (joined with 4), 6, 8, 9.
	var numbers []int
	for _, l := range f.Lines {
		numbers = append(numbers, l.Number)
	}
	if len(numbers) != 5 || numbers[1] != 4 || numbers[2] != 6 {
		t.Errorf("lines %v, want [2 4 6 8 9]", numbers)
	}
	// Tokens run sorted: KERNEL, PROGRAM, RESULT, then SYMLINK.
	var kinds []kind
	for _, tk := range f.Lines[2].tokens {
		kinds = append(kinds, tk.kind)
	}
	if len(kinds) != 4 || kinds[0] != mKernel || kinds[1] != mProgram || kinds[2] != mResult || kinds[3] != aDevlink {
		t.Errorf("token order %v", kinds)
	}
	if f.Lines[3].gotoLine != 4 {
		t.Errorf("GOTO target %d, want 4", f.Lines[3].gotoLine)
	}
}

func TestLineTooLong(t *testing.T) {
	long := `KERNEL=="sda", ` + strings.Repeat(`TAG+="t", \`+"\n", 2000) + `TAG+="end"` + "\n" + `KERNEL=="sda", TAG+="ok"` + "\n"
	f, diags, err := ParseFile("long.rules", strings.NewReader(long))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Lines) != 1 || len(diags) != 1 || !strings.Contains(diags[0].Msg, "too long") {
		t.Errorf("lines %d, diagnostics %v", len(f.Lines), diags)
	}
}

// FuzzParseLine feeds arbitrary rule lines to the parser: it must not panic, and a line it keeps must parse
// again to the same tokens.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`KERNEL=="sd*[!0-9]|sr*", ENV{ID_SERIAL}!="?*", IMPORT{program}="scsi_id --export --whitelisted -d $devnode", ENV{ID_BUS}="scsi"`,
		`SUBSYSTEM=="block", ENV{DEVTYPE}=="partition", ATTRS{queue/rotational}=="0", SYMLINK+="disk/by-id/%c{1+}-part%n"`,
		`ACTION!="add", GOTO="end"`, `LABEL="end"`, `TEST{0644}=="/dev/$kernel", OPTIONS+="link_priority=-100"`,
		`RUN{builtin}+="kmod load $env{MODALIAS}"`, `ATTR{[dmi/id]x}=e"\x41\u00e9"`, `NAME:="eth%n"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, _ := ParseLine("fuzz.rules", 1, s)
		if l == nil {
			return
		}
		again, _ := ParseLine("fuzz.rules", 1, l.Text)
		if again == nil || len(again.tokens) != len(l.tokens) {
			t.Fatalf("%q parsed once to %d tokens, then differently", s, len(l.tokens))
		}
	})
}

// FuzzParseFile feeds whole files (continuations, comments, long lines): no panic, and every line kept has tokens
// or a label and a number within the file.
func FuzzParseFile(f *testing.F) {
	f.Add("KERNEL==\"a\", \\\n  SYMLINK+=\"b\"\n# c\nLABEL=\"x\"\n")
	f.Add("\\\n\\\n#\\\nGOTO=\"x\"\nLABEL=\"x\"\nENV{A}=\"1\" \\")
	f.Fuzz(func(t *testing.T, s string) {
		rf, _, err := ParseFile("fuzz.rules", strings.NewReader(s))
		if err != nil {
			return
		}
		n := strings.Count(s, "\n") + 1
		for _, l := range rf.Lines {
			if l.Number < 1 || l.Number > n {
				t.Fatalf("line number %d outside 1..%d", l.Number, n)
			}
			if l.gotoLine >= len(rf.Lines) {
				t.Fatalf("GOTO target %d outside the file", l.gotoLine)
			}
		}
	})
}
