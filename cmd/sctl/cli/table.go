package cli

import (
	"encoding/json"
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

// isJSON: --output=json or json-pretty, which the list verbs print as systemd's table_print_json does.
func (o options) isJSON() bool { return o.output == "json" || o.output == "json-pretty" }

// tableJSON is a table as systemd prints it with --output=json: an array of objects whose keys are the column
// headers in lower case, spaces made underscores; an empty cell is null.
func tableJSON(header []string, rows [][]string, pretty bool) string {
	keys := make([]string, len(header))
	for i, h := range header {
		keys[i] = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(h)), " ", "_")
	}
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		obj := map[string]any{}
		for i, k := range keys {
			if i < len(r) && r[i] != "" {
				obj[k] = r[i]
			} else {
				obj[k] = nil
			}
		}
		out = append(out, obj)
	}
	var b []byte
	if pretty {
		b, _ = json.MarshalIndent(out, "", "\t")
	} else {
		b, _ = json.Marshal(out)
	}
	return string(b) + "\n"
}
