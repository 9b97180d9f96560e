package exec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// Commands parses one Exec*= assignment and appends its command lines to dst; an empty value resets the list.
// A bad command is an error that refuses the unit, unless it has the "-" prefix: then, as in systemd, it is
// logged and left out, with the commands after it on the line; those before it stay.
func (p *Parser) Commands(e *sdk.Entry, dst *[]Command) {
	if strings.TrimSpace(e.Value) == "" {
		*dst = nil
		return
	}
	cmds, err := parseCommandLine(e.Value, p.Env.LookPath)
	var ce *CommandError
	switch {
	case errors.As(err, &ce) && ce.Ignored:
		p.Res.Warnf(e, p.Section, e.Key, "%v, ignoring", err)
	case err != nil:
		p.Bad(e, "%v", err)
		return
	}
	for i := range cmds {
		cmds[i].File, cmds[i].Line = e.File, e.Line
		if !strings.HasPrefix(cmds[i].Path, "/") {
			p.Res.Warnf(e, p.Section, e.Key, "Executable %q not found in %s; starting the command will fail",
				cmds[i].Path, strings.Join(SearchPath, ":"))
		}
	}
	*dst = append(*dst, cmds...)
}

// CommandError is a command line that systemd refuses. Ignored says the command had the "-" prefix, which
// turns the error into a warning.
type CommandError struct {
	Msg     string
	Ignored bool
}

func (e *CommandError) Error() string { return "exec: " + e.Msg }

// parseCommandLine splits an Exec*= value into command lines as systemd's config_parse_exec does (man
// systemd.service, "Command lines"): words are unquoted and C-unescaped (an invalid escape is kept as written);
// an unquoted ";" word separates commands and an unquoted "\;" word is a literal ";". The first word of each
// command may start with the prefixes "-", "@", ":", "+", "!" or "!!", each at most once, "+" not with "!" or
// "!!". The executable is an absolute path, which loses its repeated slashes and "." components, or a plain
// name that look resolves; a name it cannot resolve is kept as written, so that starting the command fails
// (exit status 203/EXEC), as in systemd. argv[0] is the executable as written, or with "@" the second word.
// It returns the commands before an error along with the error.
func parseCommandLine(value string, look func(string) (string, bool)) ([]Command, error) {
	var cmds []Command
	p := value
	for {
		raw, rest := rawWord(p)
		if raw == "" {
			return cmds, nil
		}
		p = rest
		first, err := unquote(raw)
		if err != nil {
			return cmds, &CommandError{Msg: fmt.Sprintf("%v in %q", err, value)}
		}
		if first == ";" {
			continue // a lone ";" before a command: an empty command, skipped
		}
		cmd, rest, err := parseCommand(first, p, look)
		if err != nil {
			return cmds, err
		}
		cmds = append(cmds, cmd)
		if p = rest; p == "" {
			return cmds, nil
		}
	}
}

// parseCommand builds one command from its first word (unquoted, with its prefixes) and the raw text after it,
// up to an unquoted ";". It returns the text after that ";", or "".
func parseCommand(first, p string, look func(string) (string, bool)) (Command, string, error) {
	var c Command
	at := false
	bang := 0
	for first != "" {
		switch {
		case first[0] == '-' && !c.IgnoreFailure:
			c.IgnoreFailure = true
		case first[0] == '@' && !at:
			at = true
		case first[0] == ':' && !c.NoExpand:
			c.NoExpand = true
		case first[0] == '+' && !c.FullPrivileges && bang == 0:
			c.FullPrivileges = true
		case first[0] == '!' && !c.FullPrivileges && bang < 2:
			bang++
		default:
			goto done
		}
		first = first[1:]
	}
done:
	switch bang {
	case 1:
		c.AmbientOnly = true
	case 2:
		c.NoAmbient = true
	}
	bad := func(format string, args ...any) (Command, string, error) {
		return c, "", &CommandError{Msg: fmt.Sprintf(format, args...), Ignored: c.IgnoreFailure}
	}
	switch {
	case first == "":
		return bad("empty executable path")
	case !safeString(first):
		return bad("executable name %q contains special characters", first)
	case strings.HasSuffix(first, "/"):
		return bad("executable path %q specifies a directory", first)
	case strings.HasPrefix(first, "/") && !validPath(first) || !strings.HasPrefix(first, "/") && !validFilename(first):
		return bad("%q is neither a valid executable name nor an absolute path", first)
	}
	if !at {
		c.Argv = []string{first}
	}
	if strings.HasPrefix(first, "/") {
		c.Path = simplifyPath(first)
	} else {
		c.Path = first
		if look != nil {
			if resolved, ok := look(first); ok {
				c.Path = resolved
			}
		}
	}
	rest := ""
	for {
		raw, after := rawWord(p)
		if raw == "" {
			break
		}
		if raw == ";" {
			rest = after
			break
		}
		p = after
		if raw == `\;` {
			c.Argv = append(c.Argv, ";")
			continue
		}
		w, err := unquote(raw)
		if err != nil {
			return bad("%v in argument %s", err, raw)
		}
		c.Argv = append(c.Argv, w)
	}
	if len(c.Argv) == 0 {
		return bad("\"@\" needs argv[0] after the executable")
	}
	return c, rest, nil
}

// rawWord returns the first word of s as written (quotes and escapes kept) and the text after it, white space
// skipped on both sides; raw is "" at the end.
func rawWord(s string) (raw, rest string) {
	s = strings.TrimLeft(s, commandSpace)
	i := 0
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case strings.IndexByte(commandSpace, c) >= 0:
			return s[:i], strings.TrimLeft(s[i:], commandSpace)
		}
	}
	return s, ""
}

// commandSpace is systemd's WHITESPACE, what separates words.
const commandSpace = " \t\n\r"

// unquote turns one raw word into its value: quotes removed, C escapes interpreted, an invalid escape kept.
func unquote(raw string) (string, error) {
	words, err := unitfile.SplitWords(raw, unitfile.SplitCUnescape|unitfile.SplitRelax)
	if err != nil || len(words) == 0 {
		return "", err
	}
	return words[0], nil
}

// safeString is systemd's string_is_safe: no control character, quote, backslash or DEL.
func safeString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f || c == '"' || c == '\'' || c == '\\' {
			return false
		}
	}
	return true
}

// validPath is systemd's path_is_valid: at most PATH_MAX bytes, no component longer than NAME_MAX.
func validPath(p string) bool {
	if len(p) >= 4096 {
		return false
	}
	for _, e := range strings.Split(p, "/") {
		if len(e) > 255 {
			return false
		}
	}
	return true
}

// validFilename is systemd's filename_is_valid: one path component, not "." or "..".
func validFilename(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") && len(s) <= 255
}

// simplifyPath is systemd's path_simplify: repeated slashes and "." components dropped, ".." kept.
func simplifyPath(p string) string {
	var out []string
	for _, e := range strings.Split(p, "/") {
		if e != "" && e != "." {
			out = append(out, e)
		}
	}
	return "/" + strings.Join(out, "/")
}
