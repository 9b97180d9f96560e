package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestRoundTripKeepsClassAndMessage(t *testing.T) {
	for _, c := range classes {
		orig := fmt.Errorf("unit foo.service: %w", c.class)
		back := FromGRPC(ToGRPC(orig))
		if !errors.Is(back, c.class) {
			t.Errorf("%v: class lost after the wire: %v", c.class, back)
		}
		if back.Error() != orig.Error() {
			t.Errorf("message changed: %q -> %q", orig, back)
		}
	}
}

func TestWrapKeepsMessage(t *testing.T) {
	err := NotFound(errors.New("unit x.service not found"))
	if !IsNotFound(err) || err.Error() != "unit x.service not found" {
		t.Fatalf("got %v", err)
	}
	if IsPermissionDenied(err) {
		t.Fatal("class leaked")
	}
	if NotFound(nil) != nil {
		t.Fatal("nil must stay nil")
	}
	if FromGRPC(ToGRPC(errors.New("plain"))).Error() != "plain" {
		t.Fatal("unknown class lost its message")
	}
}
