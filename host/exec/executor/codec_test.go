package executor

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// fill sets every field reachable from v to a value that is not its zero value, different per field, so that
// a field the codec forgets or swaps with another shows.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strings.Repeat("x", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n) << 20)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n)
			fill(e, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	case reflect.Uint8: // a byte of []byte
		v.SetUint(uint64(*n % 256))
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// Every field of a Spec survives the encoding, with its value.
func TestSpecRoundTrip(t *testing.T) {
	var n int
	var want Spec
	fill(reflect.ValueOf(&want).Elem(), &n)
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
	var n int
	var full Spec
	fill(reflect.ValueOf(&full).Elem(), &n)
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
