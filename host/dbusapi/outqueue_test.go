package dbusapi

import (
	"errors"
	"testing"
	"time"
)

// msg is an encoded message of n bytes (the serial's bytes included).
func msg(n int) []byte { return make([]byte, n) }

// The queue is bounded in bytes: a signal finds no room at once, an answer waits for the writer up to its patience;
// held signals go out after what was queued meanwhile, numbered in the order they go out.
func TestOutQueue(t *testing.T) {
	q := newOutQueue(100)
	if _, err := q.push(msg(60), false, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := q.push(msg(60), true, 0); !errors.Is(err, errQueueFull) {
		t.Fatalf("a signal beyond the bound: %v", err)
	}
	go func() { time.Sleep(10 * time.Millisecond); q.take() }()
	if _, err := q.push(msg(60), false, 5*time.Second); err != nil {
		t.Fatalf("an answer the writer made room for: %v", err)
	}
	q.take()

	q.hold()
	if s, err := q.push(msg(20), true, 0); err != nil || s != 0 {
		t.Fatalf("a held signal: serial %d %v", s, err)
	}
	answer, err := q.push(msg(20), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	q.release()
	out := q.take()
	if len(out) != 2 || serialOf(out[0]) != answer || serialOf(out[1]) != answer+1 {
		t.Fatalf("after release: %d messages, serials %v, answer %d", len(out), serials(out), answer)
	}

	// A push waiting for room ends when the connection does.
	if _, err := q.push(msg(100), false, 0); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(10 * time.Millisecond); q.close() }()
	start := time.Now()
	if _, err := q.push(msg(60), false, time.Minute); !errors.Is(err, errConnClosed) || time.Since(start) > 30*time.Second {
		t.Fatalf("a push waiting when the connection closed: %v after %v", err, time.Since(start))
	}
}

func serialOf(b []byte) uint32 {
	return uint32(b[8]) | uint32(b[9])<<8 | uint32(b[10])<<16 | uint32(b[11])<<24
}

func serials(l [][]byte) []uint32 {
	var out []uint32
	for _, b := range l {
		out = append(out, serialOf(b))
	}
	return out
}
