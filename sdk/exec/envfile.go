package exec

import "strings"

// parseEnvFile parses the text of an EnvironmentFile= (man systemd.exec) into NAME=VALUE assignments in file
// order. Empty lines, lines starting with "#" or ";" and lines without "=" are skipped; whitespace around the
// name and around an unquoted value is dropped. An unquoted value keeps its interior whitespace and any quotes
// after its first character; a backslash keeps the next character and a backslash before a newline continues
// the line. A 'single-quoted' value is verbatim and may span lines; a "double-quoted" one may span lines, and a
// backslash there escapes only \ " ` $ and newline (the others stay with their backslash). Quoted and unquoted
// parts next to each other join, as in a shell. There is no "export" keyword; an assignment whose name is not
// valid (or whose value is not UTF-8) is skipped.
func parseEnvFile(text string) []string {
	var out []string
	emit := func(key, value string) {
		kv := key + "=" + value
		if ValidEnvAssignment(kv) {
			out = append(out, kv)
		}
	}
	i, n := 0, len(text)
	for i < n {
		// Start of a line: skip blanks and empty lines.
		for i < n && strings.IndexByte(" \t\r\n", text[i]) >= 0 {
			i++
		}
		if i >= n {
			break
		}
		if text[i] == '#' || text[i] == ';' {
			for i < n && text[i] != '\n' {
				i++
			}
			continue
		}
		start := i
		for i < n && text[i] != '=' && text[i] != '\n' {
			i++
		}
		if i >= n || text[i] == '\n' {
			continue // no "=": not an assignment
		}
		key := strings.TrimRight(text[start:i], " \t\r")
		i++ // "="
		var v strings.Builder
		keep := 0        // length of v that trailing-whitespace trimming must not cut (escaped or quoted text)
		inValue := false // an unquoted character was seen: quotes are literal from here on
	value:
		for i < n {
			c := text[i]
			switch {
			case c == '\n':
				i++
				break value
			case !inValue && (c == ' ' || c == '\t' || c == '\r'):
				i++
			case !inValue && c == '\'':
				i++
				for i < n && text[i] != '\'' {
					v.WriteByte(text[i])
					i++
				}
				i++
				keep = v.Len()
			case !inValue && c == '"':
				i++
				for i < n && text[i] != '"' {
					if text[i] == '\\' && i+1 < n {
						switch text[i+1] {
						case '"', '\\', '`', '$':
							v.WriteByte(text[i+1])
						case '\n':
						default:
							v.WriteByte('\\')
							v.WriteByte(text[i+1])
						}
						i += 2
						continue
					}
					v.WriteByte(text[i])
					i++
				}
				i++
				keep = v.Len()
			case c == '\\':
				inValue = true
				if i+1 < n && text[i+1] != '\n' {
					v.WriteByte(text[i+1])
					keep = v.Len()
				}
				i += 2
			default:
				inValue = true
				v.WriteByte(c)
				if c != ' ' && c != '\t' && c != '\r' {
					keep = v.Len()
				}
				i++
			}
		}
		s := v.String()
		emit(key, s[:keep])
	}
	return out
}
