package manager

import (
	"iter"
	"slices"
	"strings"
	"unique"
)

// pairs is a read-only string map kept compact, for what a plugin's Parse returns of each unit and the core only
// reads (the annotations, the settings `sctl show` lists): the pairs sorted by key, each pair interned, so that
// a pair many units share (every service's TimeoutStartUSec=1min 30s) is stored once and a unit holds a pointer
// per pair. A map of strings per unit cost the core ≈8 KiB per service, about a third of its heap with 1,000
// units (docs/performance.md, "Memory").
type pairs []unique.Handle[string]

// sep separates a key from its value in an interned pair: no property name or annotation key holds it.
const sep = "\x00"

// newPairs makes the pairs of m; an empty m makes nil.
func newPairs(m map[string]string) pairs {
	if len(m) == 0 {
		return nil
	}
	p := make(pairs, 0, len(m))
	for k, v := range m {
		p = append(p, unique.Make(k+sep+v))
	}
	slices.SortFunc(p, func(a, b unique.Handle[string]) int { return strings.Compare(key(a), key(b)) })
	return p
}

func key(h unique.Handle[string]) string {
	k, _, _ := strings.Cut(h.Value(), sep)
	return k
}

// with returns p with changes applied: a key with an empty value is removed, any other set.
func (p pairs) with(changes map[string]string) pairs {
	m := make(map[string]string, len(p)+len(changes))
	for k, v := range p.all() {
		m[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return newPairs(m)
}

// get returns the value of k, and whether p holds it.
func (p pairs) get(k string) (string, bool) {
	i, ok := slices.BinarySearchFunc(p, k, func(h unique.Handle[string], k string) int { return strings.Compare(key(h), k) })
	if !ok {
		return "", false
	}
	_, v, _ := strings.Cut(p[i].Value(), sep)
	return v, true
}

// all yields the pairs in key order.
func (p pairs) all() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, h := range p {
			k, v, _ := strings.Cut(h.Value(), sep)
			if !yield(k, v) {
				return
			}
		}
	}
}
