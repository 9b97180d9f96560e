package executor

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/test/fill"
)

// Every field of a Spec survives the encoding, with its value.
func TestSpecRoundTrip(t *testing.T) {
	var want Spec
	fill.Exported(reflect.ValueOf(&want).Elem())
	want.Exec.Umask, want.Exec.Nice = -1, -20 // negative numbers, as the contract uses them
	got, err := DecodeSpec(want.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("round trip:\ngot  %+v\nwant %+v", got, &want)
	}
	// The zero Spec too: nothing absent comes back present.
	got, err = DecodeSpec((&Spec{}).Encode())
	if err != nil || !reflect.DeepEqual(got, &Spec{}) {
		t.Fatalf("zero spec: %+v, %v", got, err)
	}
}

func TestDecodeSpecRefuses(t *testing.T) {
	good := (&Spec{Path: "/bin/true", Argv: []string{"true"}}).Encode()
	for _, c := range []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "version"},
		{"another version", append([]byte("sysmaster-executor-spec 0\n"), good[len(specVersion):]...), "version"},
		{"truncated", good[:len(good)-3], "spec:"},
		{"trailing bytes", append(bytes.Clone(good), 0), "after the spec"},
		{"a length beyond the input", append([]byte(specVersion), 0xff, 0xff, 0xff, 0x7f), "beyond"},
		{"a flag that is not 0 or 1", func() []byte {
			b := (&Spec{}).Encode()
			b[len(specVersion)+3] = 2 // Path, Argv and FdNames are empty, then Main
			return b
		}(), "out of range"},
	} {
		if _, err := DecodeSpec(c.b); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want one with %q", c.name, err, c.msg)
		}
	}
}

// FuzzDecodeSpec: any input decodes or is refused, without a panic or an allocation beyond its size, and what
// decodes encodes to a canonical form that decodes to the same.
func FuzzDecodeSpec(f *testing.F) {
	var full Spec
	fill.Exported(reflect.ValueOf(&full).Elem())
	f.Add(full.Encode())
	f.Add((&Spec{}).Encode())
	f.Add((&Spec{Path: "/bin/sh", Argv: []string{"sh", "-c", "exit 0"}, Exec: Exec{Umask: -1,
		Sandbox: &Sandbox{ProtectSystem: "strict", SyscallFilter: &SyscallFilter{Names: []string{"mount"}}}}}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSpec(b)
		if err != nil {
			return
		}
		canon := s.Encode()
		s2, err := DecodeSpec(canon)
		if err != nil {
			t.Fatalf("re-encoded spec refused: %v", err)
		}
		if !bytes.Equal(s2.Encode(), canon) || !reflect.DeepEqual(s, s2) {
			t.Fatalf("not stable: %+v / %+v", s, s2)
		}
	})
}
