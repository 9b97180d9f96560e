package manager

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The core's active state and the protocol's name the same states: every state of the enum converts to the
// core's with the protocol's name and back unchanged.
func TestActiveStateFromPlugins(t *testing.T) {
	for v, name := range pb.ActiveState_name {
		p := pb.ActiveState(v)
		if p == pb.ActiveState_ACTIVE_STATE_UNSPECIFIED {
			if fromPB(p).String() != "inactive" {
				t.Errorf("unspecified reads %s", fromPB(p))
			}
			continue
		}
		s := fromPB(p)
		if want := strings.ToLower(strings.TrimPrefix(name, "ACTIVE_STATE_")); s.String() != want || toPB(s) != p {
			t.Errorf("%s: core's %s, back %s", name, s, toPB(s))
		}
	}
}

// A dependency is recorded once whether its list is short (scanned) or long (indexed in depSet), across the
// length at which the index is made.
func TestAddDepOnce(t *testing.T) {
	u := newUnit("a.target", "target")
	for round := 0; round < 2; round++ {
		for i := 0; i < 3*depSetMin; i++ {
			u.addDep("Wants", fmt.Sprintf("u%d.service", i))
			u.addDep("Wants", fmt.Sprintf("u%d.service", i/2))
		}
	}
	u.addDep("After", "x.service")
	u.addDep("After", "x.service")
	if n := len(u.deps.get("Wants")); n != 3*depSetMin {
		t.Errorf("%d Wants, want %d", n, 3*depSetMin)
	}
	if got := u.deps.get("After"); len(got) != 1 {
		t.Errorf("After = %v", got)
	}
	if len(u.depSet) != 3*depSetMin {
		t.Errorf("depSet holds %d entries, want the %d of the long list only", len(u.depSet), 3*depSetMin)
	}
	if v := newUnit("b.service", "service"); v.deps != nil || v.depSet != nil || v.children != nil {
		t.Error("a new unit allocates its maps before their first entry")
	}
}

// The Unit record stays in the 896-byte size class: a unit of a thousand costs its size class, and the rare
// fields went behind a pointer (unitRare) and the stamps' wall clocks into an int64 to get there.
func TestUnitRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(Unit{}); n > 896 {
		t.Errorf("Unit is %d bytes: past the 896-byte size class; put what few units have in unitRare", n)
	}
}
