package pid1

import (
	"testing"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

func exitMsg(seq uint64) initproto.Msg {
	return initproto.Msg{Type: initproto.TypeExit, Pid: int(seq), Code: initproto.CodeExited, Seq: seq}
}

func TestExitQueue(t *testing.T) {
	for _, tc := range []struct {
		name        string
		max, pushed int
		popped      int      // pops after all pushes
		wantDropped uint64   // counted drops
		wantFront   []uint64 // Seq of what is left, oldest first
	}{
		{"empty", 4, 0, 0, 0, nil},
		{"under the bound", 4, 3, 0, 0, []uint64{1, 2, 3}},
		{"at the bound", 4, 4, 0, 0, []uint64{1, 2, 3, 4}},
		{"oldest dropped", 4, 6, 0, 2, []uint64{3, 4, 5, 6}},
		{"popped in order", 4, 6, 3, 2, []uint64{6}},
		{"drained", 4, 3, 3, 0, nil},
		{"compaction keeps order", 3000, 2500, 1500, 0, seqRange(1501, 2500)},
		{"default bound", 0, maxQueued + 5, 0, 5, seqRange(6, maxQueued+5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := exitQueue{max: tc.max}
			var drops uint64
			for i := 1; i <= tc.pushed; i++ {
				if q.push(exitMsg(uint64(i))) {
					drops++
				}
			}
			for range tc.popped {
				q.pop()
			}
			if q.dropped != tc.wantDropped || drops != tc.wantDropped {
				t.Errorf("dropped %d (push reported %d), want %d", q.dropped, drops, tc.wantDropped)
			}
			if q.len() != len(tc.wantFront) {
				t.Fatalf("len %d, want %d", q.len(), len(tc.wantFront))
			}
			for _, want := range tc.wantFront {
				if got := q.front().Seq; got != want {
					t.Fatalf("front Seq %d, want %d", got, want)
				}
				q.pop()
			}
		})
	}
}

func seqRange(from, to int) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, uint64(i))
	}
	return out
}

// Pushing and popping alternately for long never lets the slice grow past a bound.
func TestExitQueueSpaceReclaimed(t *testing.T) {
	q := exitQueue{max: 100}
	for i := 1; i <= 100000; i++ {
		q.push(exitMsg(uint64(i)))
		if i%3 != 0 {
			q.pop()
		}
	}
	if q.len() > 100 || cap(q.items) > 4096 {
		t.Fatalf("len %d, cap %d", q.len(), cap(q.items))
	}
}
