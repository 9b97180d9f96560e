package queue

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestOrder: events of one device, its parents and its children run one after another in seqnum order; an
// unrelated device's event runs beside them.
func TestOrder(t *testing.T) {
	release := make(chan struct{})
	started := make(chan uint64, 10)
	var mu sync.Mutex
	var order []uint64
	q := New(4, DefaultLimit, func(e *Event) {
		started <- e.Seqnum
		if e.Seqnum == 1 {
			<-release
		}
		mu.Lock()
		order = append(order, e.Seqnum)
		mu.Unlock()
	})
	ctx := context.Background()
	for i, p := range []string{"/devices/a/b", "/devices/a/b/c", "/devices/x", "/devices/a/bb", "/devices/a", "/devices/a/b"} {
		if err := q.Push(ctx, &Event{Seqnum: uint64(i + 1), Devpath: p}); err != nil {
			t.Fatal(err)
		}
	}
	// 1 runs (held); 3 (/devices/x) and 4 (/devices/a/bb: a sibling, not a child) run beside it; the others wait.
	got := map[uint64]bool{}
	for range 3 {
		select {
		case s := <-started:
			got[s] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("started only %v", got)
		}
	}
	if !got[1] || !got[3] || !got[4] {
		t.Fatalf("started %v, want 1, 3 and 4", got)
	}
	select {
	case s := <-started:
		t.Fatalf("event %d started while an earlier event of a related device runs", s)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	pos := map[uint64]int{}
	for i, s := range order {
		pos[s] = i
	}
	for _, c := range [][2]uint64{{1, 2}, {2, 5}, {4, 5}, {5, 6}} {
		if pos[c[0]] > pos[c[1]] {
			t.Errorf("event %d ran after %d: order %v", c[0], c[1], order)
		}
	}
}

// TestBurst: 10,000 events of one device run in order while the queue never holds more than its limit.
func TestBurst(t *testing.T) {
	const n, limit = 10000, 64
	var mu sync.Mutex
	var last uint64
	var bad error
	q := New(8, limit, nil)
	q.Run = func(e *Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Seqnum != last+1 && bad == nil {
			bad = fmt.Errorf("event %d after %d", e.Seqnum, last)
		}
		last = e.Seqnum
		if l := q.Len(); l > limit && bad == nil {
			bad = fmt.Errorf("%d events queued", l)
		}
	}
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		if err := q.Push(ctx, &Event{Seqnum: uint64(i), Devpath: "/devices/virtual/net/lo"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if bad != nil || last != n {
		t.Fatalf("%v (last %d)", bad, last)
	}
}

// TestPushCancel: a full queue's Push gives up when its context ends.
func TestPushCancel(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	q := New(1, 1, func(*Event) { <-hold })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := q.Push(ctx, &Event{Seqnum: 1, Devpath: "/devices/a"}); err != nil {
		t.Fatal(err)
	}
	if err := q.Push(ctx, &Event{Seqnum: 2, Devpath: "/devices/b"}); err == nil {
		t.Fatal("Push into a full queue returned without its context ending")
	}
}

// TestSameID: events of two devpaths naming one device number (or interface index) run in order.
func TestSameID(t *testing.T) {
	release := make(chan struct{})
	started := make(chan uint64, 3)
	q := New(4, DefaultLimit, func(e *Event) {
		started <- e.Seqnum
		if e.Seqnum == 1 {
			<-release
		}
	})
	ctx := context.Background()
	for i, e := range []*Event{{Devpath: "/devices/a/x", ID: "b7:0"}, {Devpath: "/devices/b/y", ID: "b7:0"},
		{Devpath: "/devices/c/z", ID: "b7:1"}} {
		e.Seqnum = uint64(i + 1)
		if err := q.Push(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got := map[uint64]bool{<-started: true, <-started: true}
	if !got[1] || !got[3] {
		t.Fatalf("started %v, want 1 and 3", got)
	}
	select {
	case <-started:
		t.Fatal("event 2 ran beside event 1 of the same device number")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if s := <-started; s != 2 {
		t.Fatalf("started %d", s)
	}
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}
