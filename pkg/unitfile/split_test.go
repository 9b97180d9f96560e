package unitfile

import (
	"errors"
	"strings"
	"testing"
)

func TestSplitWords(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		flags SplitFlags
		want  []string
	}{
		{"plain", "a b  c", 0, []string{"a", "b", "c"}},
		{"tabs and newlines", "a\tb\nc", 0, []string{"a", "b", "c"}},
		{"double quotes", `"a b" c`, 0, []string{"a b", "c"}},
		{"single quotes", `'a "b"' c`, 0, []string{`a "b"`, "c"}},
		{"quotes inside a word", `x"a b"y`, 0, []string{"xa by"}},
		{"empty quoted word", `"" a`, 0, []string{"", "a"}},
		{"backslash keeps next char", `a\ b`, 0, []string{"a b"}},
		{"C escapes", `"a\tb" \x41\101\u00e9`, SplitCUnescape, []string{"a\tb", "AAé"}},
		{"escaped quote", `"say \"hi\""`, SplitCUnescape, []string{`say "hi"`}},
		{"retain escape", `dev-disk-by\x2duuid.device`, SplitRetainEscape, []string{`dev-disk-by\x2duuid.device`}},
		{"relax keeps unknown escape", `a\qb`, SplitCUnescape | SplitRelax, []string{`a\qb`}},
		{"empty", "   ", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SplitWords(c.in, c.flags)
			if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
				t.Fatalf("SplitWords(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func TestSplitWordsErrors(t *testing.T) {
	for _, in := range []string{`"open`, `'open`, `a "b c`} {
		if _, err := SplitWords(in, 0); !errors.Is(err, ErrUnterminatedQuote) {
			t.Errorf("SplitWords(%q): %v, want unterminated quote", in, err)
		}
	}
	for _, in := range []string{`a\`, `\q`, `\x4`, `\xzz`} {
		if _, err := SplitWords(in, SplitCUnescape); err == nil {
			t.Errorf("SplitWords(%q) accepted a bad escape", in)
		}
	}
}

func TestUnescapeAndParseBool(t *testing.T) {
	if s, err := Unescape(`a\nb\\c\x41`); err != nil || s != "a\nb\\cA" {
		t.Errorf("Unescape = %q, %v", s, err)
	}
	if _, err := Unescape(`bad\`); err == nil {
		t.Error("trailing backslash accepted")
	}
	for _, s := range []string{"1", "yes", "Y", "true", "t", "ON"} {
		if b, err := ParseBool(s); err != nil || !b {
			t.Errorf("ParseBool(%q) = %v, %v", s, b, err)
		}
	}
	for _, s := range []string{"0", "no", "N", "false", "f", "off"} {
		if b, err := ParseBool(s); err != nil || b {
			t.Errorf("ParseBool(%q) = %v, %v", s, b, err)
		}
	}
	for _, s := range []string{"", "maybe", "2", "yess"} {
		if _, err := ParseBool(s); err == nil {
			t.Errorf("ParseBool(%q) accepted", s)
		}
	}
}

// FuzzSplitWords: never panics; with no flags, words joined by spaces and quoted split back the same.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{`a "b c" 'd'`, `\x41\n`, `"unterminated`, `a\`, `x"y z"w`} {
		f.Add(s, uint(0))
		f.Add(s, uint(SplitCUnescape))
	}
	f.Fuzz(func(t *testing.T, s string, flags uint) {
		words, err := SplitWords(s, SplitFlags(flags)&(SplitCUnescape|SplitRelax|SplitRetainEscape))
		if err != nil || flags != 0 {
			return
		}
		var quoted []string
		for _, w := range words {
			if strings.ContainsAny(w, `"\`) {
				return
			}
			quoted = append(quoted, `"`+w+`"`)
		}
		again, err := SplitWords(strings.Join(quoted, " "), 0)
		if err != nil || strings.Join(again, "\x00") != strings.Join(words, "\x00") || len(again) != len(words) {
			t.Fatalf("%q -> %q -> %q (%v)", s, words, again, err)
		}
	})
}
