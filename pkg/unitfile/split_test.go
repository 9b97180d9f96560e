package unitfile

import (
	"errors"
	"slices"
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
		{"leading and trailing blanks", "  a  ", 0, []string{"a"}},
		{"tabs and newlines", "a\tb\nc\rd", 0, []string{"a", "b", "c", "d"}},
		{"double quotes", `"a b" c`, 0, []string{"a b", "c"}},
		{"single quotes", `'a "b"' c`, 0, []string{`a "b"`, "c"}},
		{"double quotes keep single", `"it's" x`, 0, []string{"it's", "x"}},
		{"quotes inside a word", `x"a b"y`, 0, []string{"xa by"}},
		{"adjacent quoted parts", `"a"'b'"c"`, 0, []string{"abc"}},
		{"empty quoted word", `"" a`, 0, []string{"", "a"}},
		{"empty single quoted word", `''`, 0, []string{""}},
		{"backslash keeps next char", `a\ b`, 0, []string{"a b"}},
		{"backslash n without CUnescape is n", `a\nb`, 0, []string{"anb"}},
		{"backslash inside quotes", `"a\"b"`, 0, []string{`a"b`}},
		{"C escapes", `"a\tb" \x41\101\u00e9`, SplitCUnescape, []string{"a\tb", "AAé"}},
		{"C escape \\U", `\U0001F600`, SplitCUnescape, []string{"\U0001F600"}},
		{"C escape \\s", `a\sb`, SplitCUnescape, []string{"a b"}},
		{"escaped quote", `"say \"hi\""`, SplitCUnescape, []string{`say "hi"`}},
		{"escaped backslash", `a\\b`, SplitCUnescape, []string{`a\b`}},
		{"retain escape", `dev-disk-by\x2duuid.device`, SplitRetainEscape, []string{`dev-disk-by\x2duuid.device`}},
		{"retain escaped quote", `"a\"b" c`, SplitRetainEscape, []string{`a\"b`, "c"}},
		{"retain escaped blank", `a\ b`, SplitRetainEscape, []string{`a\ b`}},
		{"relax keeps unknown escape", `a\qb`, SplitCUnescape | SplitRelax, []string{`a\qb`}},
		{"relax keeps short hex escape", `\x4`, SplitCUnescape | SplitRelax, []string{`\x4`}},
		{"relax keeps trailing backslash", `a\`, SplitRelax, []string{`a\`}},
		{"empty", "   ", 0, nil},
		{"empty string", "", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SplitWords(c.in, c.flags)
			if err != nil || !slices.Equal(got, c.want) {
				t.Fatalf("SplitWords(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func TestSplitWordsErrors(t *testing.T) {
	cases := []struct {
		name       string
		in         string
		flags      SplitFlags
		unterminal bool // the error must be ErrUnterminatedQuote
	}{
		{"unterminated double quote", `"open`, 0, true},
		{"unterminated single quote", `'open`, 0, true},
		{"unterminated after a word", `a "b c`, 0, true},
		{"unterminated with CUnescape", `"a\tb`, SplitCUnescape, true},
		{"unterminated with Relax", `'x`, SplitRelax, true},
		{"quote closed by an escaped quote", `"a\"`, 0, true},
		{"trailing backslash", `a\`, 0, false},
		{"trailing backslash with CUnescape", `a\`, SplitCUnescape, false},
		{"trailing backslash with RetainEscape", `a\`, SplitRetainEscape, false},
		{"unknown escape", `\q`, SplitCUnescape, false},
		{"short hex escape", `\x4`, SplitCUnescape, false},
		{"bad hex escape", `\xzz`, SplitCUnescape, false},
		{"NUL hex escape", `\x00`, SplitCUnescape, false},
		{"NUL octal escape", `\000`, SplitCUnescape, false},
		{"octal escape over 255", `\777`, SplitCUnescape, false},
		{"surrogate unicode escape", `\ud800`, SplitCUnescape, false},
		{"unicode escape out of range", `\U00110000`, SplitCUnescape, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SplitWords(c.in, c.flags)
			if err == nil {
				t.Fatalf("SplitWords(%q) = %q, want an error", c.in, got)
			}
			if errors.Is(err, ErrUnterminatedQuote) != c.unterminal {
				t.Fatalf("SplitWords(%q): %v", c.in, err)
			}
			if c.unterminal && !strings.Contains(err.Error(), "unterminated quote") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestUnescape(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"no escapes", "plain", "plain", true},
		{"simple escapes", `a\nb\\c\td\"e\'f`, "a\nb\\c\td\"e'f", true},
		{"bell to vertical tab", `\a\b\f\r\v`, "\a\b\f\r\v", true},
		{"hex", `\x41\x2d`, "A-", true},
		{"octal", `\101\040`, "A ", true},
		{"unicode", `\u00e9\U0001F600`, "é\U0001F600", true},
		{"quotes are not special", `"a b"`, `"a b"`, true},
		{"trailing backslash", `bad\`, "", false},
		{"unknown escape", `\q`, "", false},
		{"short hex", `\x4`, "", false},
		{"short unicode", `\u12`, "", false},
		{"NUL", `\x00`, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Unescape(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Fatalf("Unescape(%q) = %q, %v", c.in, got, err)
			}
		})
	}
}

func TestParseBool(t *testing.T) {
	cases := []struct {
		in       string
		want, ok bool
	}{
		{"1", true, true}, {"yes", true, true}, {"Y", true, true}, {"y", true, true}, {"true", true, true},
		{"t", true, true}, {"ON", true, true}, {"on", true, true}, {"Yes", true, true},
		{"0", false, true}, {"no", false, true}, {"N", false, true}, {"false", false, true}, {"f", false, true},
		{"off", false, true}, {"OFF", false, true},
		{"", false, false}, {"maybe", false, false}, {"2", false, false}, {"yess", false, false}, {" yes", false, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseBool(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Fatalf("ParseBool(%q) = %v, %v", c.in, got, err)
			}
		})
	}
}

// FuzzSplitWords: never panics under any flags; without flags, words written back quoted split back the same;
// with SplitRetainEscape, the words with each kept escape \X read as X are what plain splitting gives.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{`a "b c" 'd'`, `\x41\n`, `"unterminated`, `a\`, `x"y z"w`, `\u00e9 \101`, `'a\'b'`} {
		for _, fl := range []SplitFlags{0, SplitCUnescape, SplitCUnescape | SplitRelax, SplitRetainEscape} {
			f.Add(s, uint(fl))
		}
	}
	f.Fuzz(func(t *testing.T, s string, flags uint) {
		fl := SplitFlags(flags) & (SplitCUnescape | SplitRelax | SplitRetainEscape)
		words, err := SplitWords(s, fl)
		if err != nil {
			return
		}
		for _, w := range words {
			if fl == 0 && strings.ContainsAny(w, `"\`) {
				return
			}
		}
		switch fl {
		case 0:
			quoted := make([]string, len(words))
			for i, w := range words {
				quoted[i] = `"` + w + `"`
			}
			again, err := SplitWords(strings.Join(quoted, " "), 0)
			if err != nil || !slices.Equal(again, words) {
				t.Fatalf("%q -> %q -> %q (%v)", s, words, again, err)
			}
		case SplitRetainEscape:
			plain, err := SplitWords(s, 0)
			if err != nil {
				t.Fatalf("%q splits with RetainEscape but not plainly: %v", s, err)
			}
			var unescaped []string
			for _, w := range words {
				unescaped = append(unescaped, dropEscapes(w))
			}
			if !slices.Equal(unescaped, plain) {
				t.Fatalf("%q: retained %q unescape to %q, plain split %q", s, words, unescaped, plain)
			}
		}
	})
}

// dropEscapes reads every \X in a word kept by SplitRetainEscape as X.
func dropEscapes(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] == '\\' && i+1 < len(w) {
			i++
		}
		b.WriteByte(w[i])
	}
	return b.String()
}
