package manager

import "slices"

// depLists holds a unit's dependencies by kind ("Wants", "After", …) as a short list of kinds. Most units have
// two to four kinds: a map of them cost ≈ 350 bytes for its table alone, a list costs 40 bytes a kind. The order
// is that of the first entry of each kind.
type depLists []depList

type depList struct {
	kind  string
	units []string
}

// get returns kind's units, nil when there are none.
func (d depLists) get(kind string) []string {
	for i := range d {
		if d[i].kind == kind {
			return d[i].units
		}
	}
	return nil
}

// set replaces kind's units; none removes the kind.
func (d *depLists) set(kind string, units []string) {
	for i := range *d {
		if (*d)[i].kind == kind {
			if len(units) == 0 {
				*d = slices.Delete(*d, i, i+1)
			} else {
				(*d)[i].units = units
			}
			return
		}
	}
	if len(units) > 0 {
		*d = append(*d, depList{kind, units})
	}
}

// add appends units to kind's.
func (d *depLists) add(kind string, units ...string) { d.set(kind, append(d.get(kind), units...)) }
