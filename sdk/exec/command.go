package exec

import (
	"fmt"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// Commands parses one Exec*= assignment and appends its command lines to dst; an empty value resets the list.
// A bad line is an error and adds nothing.
func (p *Parser) Commands(e *sdk.Entry, dst *[]Command) {
	if strings.TrimSpace(e.Value) == "" {
		*dst = nil
		return
	}
	cmds, err := parseCommandLine(e.Value, p.Env.LookPath)
	if err != nil {
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

// parseCommandLine splits an Exec*= value into command lines (man systemd.service, "Command lines"): words are
// unquoted and C-unescaped; a lone ";" word separates commands and "\;" is a literal ";". The first word of
// each command may start with the prefixes "-", "@", ":", "+", "!" or "!!", each at most once, "+" not with
// "!" or "!!". The executable is an absolute, normalized path, or a plain name that look resolves; a name
// it cannot resolve is kept as written, so that starting the command fails (exit status 203/EXEC), as in
// systemd. argv[0] is the executable as written, or with "@" the second word.
func parseCommandLine(value string, look func(string) (string, bool)) ([]Command, error) {
	words, err := unitfile.SplitWords(value, unitfile.SplitCUnescape|unitfile.SplitRelax)
	if err != nil {
		return nil, err
	}
	var cmds []Command
	var cur []string
	for i := 0; i <= len(words); i++ {
		if i < len(words) && words[i] != ";" {
			w := words[i]
			if w == `\;` {
				w = ";"
			}
			cur = append(cur, w)
			continue
		}
		if len(cur) == 0 {
			if i < len(words) {
				return nil, fmt.Errorf("empty command before ';'")
			}
			break
		}
		cmd, err := parseCommand(cur, look)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, cmd)
		cur = nil
	}
	return cmds, nil
}

// parseCommand builds one command from its words (the first with its prefixes).
func parseCommand(words []string, look func(string) (string, bool)) (Command, error) {
	var c Command
	first := words[0]
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
	if first == "" {
		return c, fmt.Errorf("empty executable path")
	}
	switch {
	case strings.Contains(first, "/"):
		if !NormalPath(first) {
			return c, fmt.Errorf("executable path %q is neither a normalized absolute path nor a plain name", first)
		}
		c.Path = first
	default:
		c.Path = first
		if look != nil {
			if resolved, ok := look(first); ok {
				c.Path = resolved
			}
		}
	}
	if at {
		if len(words) < 2 {
			return c, fmt.Errorf("\"@\" needs argv[0] after the executable")
		}
		c.Argv = append([]string(nil), words[1:]...)
	} else {
		c.Argv = append([]string{first}, words[1:]...)
	}
	return c, nil
}
