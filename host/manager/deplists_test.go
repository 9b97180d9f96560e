package manager

import (
	"slices"
	"testing"
)

func TestDepLists(t *testing.T) {
	var d depLists
	d.add("Wants", "a.service")
	d.add("After", "b.service", "c.service")
	d.add("Wants", "d.service")
	if got := d.get("Wants"); !slices.Equal(got, []string{"a.service", "d.service"}) {
		t.Errorf("Wants %v", got)
	}
	if got := d.get("Requires"); got != nil {
		t.Errorf("Requires %v, want none", got)
	}
	d.set("Wants", nil) // an empty list removes the kind
	if len(d) != 1 || d[0].kind != "After" || !slices.Equal(d[0].units, []string{"b.service", "c.service"}) {
		t.Errorf("after removing Wants: %+v", d)
	}
	d.set("After", []string{"e.service"})
	if got := d.get("After"); !slices.Equal(got, []string{"e.service"}) {
		t.Errorf("After %v", got)
	}
}
