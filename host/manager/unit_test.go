package manager

import (
	"strings"
	"testing"

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
