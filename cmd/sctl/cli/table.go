package cli

import (
	"strings"
	"unicode/utf8"
)

// table renders rows in columns sized to their content, separated by one space, with an optional header, as
// systemctl's list-* verbs print. The last column is not padded.
func table(header []string, rows [][]string) string {
	all := rows
	if header != nil {
		all = append([][]string{header}, rows...)
	}
	if len(all) == 0 {
		return ""
	}
	widths := make([]int, len(all[0]))
	for _, r := range all {
		for i, c := range r {
			if n := utf8.RuneCountInString(c); i < len(widths) && n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	for _, r := range all {
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+1))
		}
		b.WriteString("\n")
	}
	return b.String()
}
