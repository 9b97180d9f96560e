package pid1

import (
	"sort"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// maxQueued bounds the exits kept for the core; beyond it the oldest go.
const maxQueued = 65536

// exitQueue holds the exits no core has acknowledged yet, sent or not, oldest (lowest Seq) first; the link
// knows how far it has sent them. Pushing never blocks: when the queue is full the oldest exit is dropped and
// counted.
type exitQueue struct {
	items   []initproto.Msg
	head    int    // items[head:] are queued
	max     int    // bound; maxQueued when zero
	dropped uint64 // exits dropped since init started
}

func (q *exitQueue) len() int { return len(q.items) - q.head }

// push appends m, dropping the oldest exit when the queue is full; it reports whether one was dropped.
func (q *exitQueue) push(m initproto.Msg) (dropped bool) {
	limit := q.max
	if limit == 0 {
		limit = maxQueued
	}
	if q.len() >= limit {
		q.pop()
		q.dropped++
		dropped = true
	}
	q.items = append(q.items, m)
	return dropped
}

// front is the oldest exit; the queue must not be empty.
func (q *exitQueue) front() initproto.Msg { return q.items[q.head] }

// pop removes the oldest exit, reclaiming the space before head once it is half of the slice.
func (q *exitQueue) pop() {
	q.items[q.head] = initproto.Msg{}
	q.head++
	switch {
	case q.head == len(q.items):
		q.items, q.head = q.items[:0], 0
	case q.head >= 1024 && q.head*2 >= len(q.items):
		n := copy(q.items, q.items[q.head:])
		q.items, q.head = q.items[:n], 0
	}
}

// at is the i-th exit from the oldest.
func (q *exitQueue) at(i int) initproto.Msg { return q.items[q.head+i] }

// after is the index of the oldest exit whose Seq is above seq (len when there is none): Seqs only grow.
func (q *exitQueue) after(seq uint64) int {
	return sort.Search(q.len(), func(i int) bool { return q.at(i).Seq > seq })
}

// ack drops every exit up to and including seq, and reports how many there were.
func (q *exitQueue) ack(seq uint64) int {
	n := 0
	for q.len() > 0 && q.front().Seq <= seq {
		q.pop()
		n++
	}
	return n
}
