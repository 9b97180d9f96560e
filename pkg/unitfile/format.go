package unitfile

import (
	"fmt"
	"io"
)

// Format writes f in unit-file syntax. Parsing the output yields the same sections and entries (values that
// end in a backslash or contain a newline cannot be written and are the caller's to avoid).
func Format(w io.Writer, f *File) error {
	for i, s := range f.Sections {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "[%s]\n", s.Name); err != nil {
			return err
		}
		for _, e := range s.Entries {
			if _, err := fmt.Fprintf(w, "%s=%s\n", e.Key, e.Value); err != nil {
				return err
			}
		}
	}
	return nil
}
