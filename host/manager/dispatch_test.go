package manager

import (
	"slices"
	"testing"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The checkpoint keeps every event sent and not yet answered, per type in delivery order: the call in flight,
// then the held events, then the queued ones.
func TestPendingEventsInDeliveryOrder(t *testing.T) {
	m := gcManager(t)
	m.addSpec(t, "a.service", "b.target")
	a, b := m.units["a.service"], m.units["b.target"]
	ev := func(id string) *pb.Event {
		return &pb.Event{Kind: &pb.Event_TimerFired{TimerFired: &pb.TimerFired{Id: id}}}
	}
	m.send(a, ev("1"))
	m.send(a, ev("2"))
	m.pg.inflight["service"] = &call{batch: m.pg.queue["service"]}
	delete(m.pg.queue, "service")
	m.send(a, ev("3"))
	m.pg.held["service"] = m.pg.queue["service"]
	delete(m.pg.queue, "service")
	m.send(a, ev("4"))
	m.send(b, ev("t"))
	var got []string
	for _, q := range m.pg.pendingEvents() {
		got = append(got, q.u.ID+":"+q.ev.GetTimerFired().Id)
	}
	want := []string{"a.service:1", "a.service:2", "a.service:3", "a.service:4", "b.target:t"}
	if !slices.Equal(got, want) {
		t.Fatalf("pending %v, want %v", got, want)
	}
	if m.pg.pending[a] != 4 || m.pg.pending[b] != 1 {
		t.Errorf("pending counts %v", m.pg.pending)
	}
}
