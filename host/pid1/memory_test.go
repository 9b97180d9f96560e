package pid1

import (
	"errors"
	"testing"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// Every message from the core puts init's trim after it, but the heartbeat: it never stops, and would put the
// trim off for as long as the core lives.
func TestEndsBurst(t *testing.T) {
	for _, c := range []struct {
		lm   linkMsg
		want bool
	}{
		{linkMsg{m: initproto.Msg{Type: initproto.TypeHeartbeat}}, false},
		{linkMsg{m: initproto.Msg{Type: initproto.TypeStoreFds, Names: []string{"a"}}}, true},
		{linkMsg{m: initproto.Msg{Type: initproto.TypeRemoveFds, Names: []string{"a"}}}, true},
		{linkMsg{m: initproto.Msg{Type: initproto.TypeAck, Seq: 3}}, true},
		{linkMsg{err: errors.New("closed")}, true},
	} {
		if got := endsBurst(c.lm); got != c.want {
			t.Errorf("endsBurst(%+v) = %v, want %v", c.lm, got, c.want)
		}
	}
}
