package manager

import (
	"maps"
	"testing"
)

func TestPairs(t *testing.T) {
	m := map[string]string{"TimeoutStartUSec": "1min 30s", "Type": "oneshot", "Empty": "", "ExecStart": "{ path=/bin/true ; argv[]=/bin/true=x }"}
	p := newPairs(m)
	if got := maps.Collect(p.all()); !maps.Equal(got, m) {
		t.Errorf("all() = %v, want %v", got, m)
	}
	var keys []string
	for k := range p.all() {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			t.Errorf("keys not sorted: %v", keys)
		}
	}
	for k, v := range m {
		if got, ok := p.get(k); !ok || got != v {
			t.Errorf("get(%q) = %q, %v; want %q", k, got, ok, v)
		}
	}
	for _, k := range []string{"", "Typ", "Typez", "Z", "A"} {
		if v, ok := p.get(k); ok {
			t.Errorf("get(%q) = %q, want none", k, v)
		}
	}
	if newPairs(nil) != nil || len(newPairs(map[string]string{})) != 0 {
		t.Error("empty maps make pairs")
	}
	if v, ok := pairs(nil).get("Slice"); ok || v != "" {
		t.Error("nil pairs hold Slice")
	}
	// Two units with the same setting share one copy of it.
	q := newPairs(map[string]string{"Type": "oneshot"})
	if i, _ := slicesIndex(p, "Type"); p[i] != q[0] {
		t.Error("the same pair is not interned once")
	}
}

func slicesIndex(p pairs, k string) (int, bool) {
	for i, h := range p {
		if key(h) == k {
			return i, true
		}
	}
	return 0, false
}

// with applies a plugin's property changes: set, replaced, or removed by an empty value.
func TestPairsWith(t *testing.T) {
	p := newPairs(map[string]string{"NRestarts": "0", "StatusErrno": "0"}).with(map[string]string{"NRestarts": "2", "StatusErrno": "", "ExecMainStatus": "1"})
	want := map[string]string{"NRestarts": "2", "ExecMainStatus": "1"}
	if got := maps.Collect(p.all()); !maps.Equal(got, want) {
		t.Errorf("with = %v, want %v", got, want)
	}
	if got := pairs(nil).with(map[string]string{"A": ""}); got != nil {
		t.Errorf("removing from nothing left %v", got)
	}
}
