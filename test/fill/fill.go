// Package fill gives every field of a value a value of its own, for tests that check a conversion or an
// encoding carries every field: a field forgotten or swapped with another shows as a difference.
package fill

import (
	"reflect"
	"strings"
)

// Exported sets every exported field reachable from v (a settable value) to a value that is not its zero value
// and differs from every other field's. Strings grow and numbers are large, so that length prefixes and varints
// of more than one byte are exercised; unexported fields (protobuf's internal state) stay as they are.
func Exported(v reflect.Value) {
	var n int
	exported(v, &n)
}

func exported(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strings.Repeat("x", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n) << 20)
	case reflect.Uint8: // a byte of a []byte
		v.SetUint(uint64(*n % 256))
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			exported(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			exported(k, n)
			exported(e, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		exported(p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				exported(v.Field(i), n)
			}
		}
	default:
		panic("fill: no value for " + v.Type().String())
	}
}
