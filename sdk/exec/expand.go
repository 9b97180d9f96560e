package exec

import (
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// Expand returns the command's argv with environment variables substituted (man systemd.service, "Command
// lines"): a word that is exactly "$NAME" becomes the variable's value split at whitespace (quotes in the value
// respected and removed), zero or more words; "${NAME}" anywhere in a word is replaced by the exact value,
// keeping one word; "$$" is a literal "$"; a variable not in env is empty; a "$" followed by anything else is
// kept. With the ":" prefix (NoExpand) argv is returned unchanged. env holds KEY=VALUE strings, the last
// assignment of a name winning.
func (cmd Command) Expand(env []string) []string {
	out := make([]string, 0, len(cmd.Argv))
	if cmd.NoExpand {
		return append(out, cmd.Argv...)
	}
	vars := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	for _, w := range cmd.Argv {
		if len(w) > 1 && w[0] == '$' && ValidEnvName(w[1:]) {
			out = append(out, splitValue(vars[w[1:]])...)
			continue
		}
		out = append(out, expandWord(w, vars))
	}
	return out
}

// splitValue splits a variable's value into words as "$NAME" does.
func splitValue(v string) []string {
	words, err := unitfile.SplitWords(v, unitfile.SplitRelax)
	if err != nil {
		return strings.Fields(v)
	}
	return words
}

// expandWord substitutes "${NAME}" and "$$" in w.
func expandWord(w string, vars map[string]string) string {
	if !strings.Contains(w, "$") {
		return w
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '$' || i+1 >= len(w) {
			b.WriteByte(w[i])
			continue
		}
		switch w[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(w[i+2:], '}')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			b.WriteString(vars[w[i+2:i+2+end]])
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
