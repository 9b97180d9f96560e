package unitfile

// Merge joins the sections of files in order: a unit's main file, then its drop-ins. Sections of the same name
// become one, their entries in file order, each keeping its own File and Line.
func Merge(files ...*File) []*Section {
	var out []*Section
	index := map[string]*Section{}
	for _, f := range files {
		if f == nil {
			continue
		}
		for _, s := range f.Sections {
			m := index[s.Name]
			if m == nil {
				m = &Section{Name: s.Name, File: s.File, Line: s.Line}
				index[s.Name] = m
				out = append(out, m)
			}
			m.Entries = append(m.Entries, s.Entries...)
		}
	}
	return out
}

// FindSection returns the section called name, or nil.
func FindSection(secs []*Section, name string) *Section {
	for _, s := range secs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Values returns the values of key for a list-valued directive: later assignments add to earlier ones, and an
// empty assignment drops everything before it. A nil section has no values.
func (s *Section) Values(key string) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, e := range s.Entries {
		if e.Key != key {
			continue
		}
		if e.Value == "" {
			out = nil
			continue
		}
		out = append(out, e.Value)
	}
	return out
}

// Last returns the last assignment of key, the one a scalar directive uses.
func (s *Section) Last(key string) (Entry, bool) {
	if s == nil {
		return Entry{}, false
	}
	for i := len(s.Entries) - 1; i >= 0; i-- {
		if s.Entries[i].Key == key {
			return s.Entries[i], true
		}
	}
	return Entry{}, false
}
