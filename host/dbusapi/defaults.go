package dbusapi

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

// defaultsText is what systemd 252 answers GetAll with for a unit of each type that has no settings of its own
// ("INTERFACE PROPERTY VALUE" lines, the interface without org.freedesktop.systemd1., the value in JSON, a
// structure as the list of its fields), with the values of the run it was taken from (pids, timestamps, the
// cgroup, counters, the unit's own names) put back to systemd's unset values (README.md says how it was taken).
// A property sysmaster does not compute, or that has no meaning here, answers it: what a client of systemd reads
// for an unset property, never UnknownProperty.
//
//go:embed defaults.txt
var defaultsText []byte

// systemdDefaults are defaultsText by interface and property, read on first use (only the core's D-Bus server
// needs them).
var systemdDefaults = sync.OnceValue(func() map[string]map[string]json.RawMessage {
	out := map[string]map[string]json.RawMessage{}
	sc := bufio.NewScanner(bytes.NewReader(defaultsText))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) != 3 {
			panic("dbusapi: defaults.txt: bad line " + sc.Text())
		}
		iface := "org.freedesktop.systemd1." + f[0]
		if out[iface] == nil {
			out[iface] = map[string]json.RawMessage{}
		}
		out[iface][f[1]] = json.RawMessage(f[2])
	}
	return out
})

// defaultCache holds the defaults converted so far, by "INTERFACE.PROPERTY".
var defaultCache sync.Map

// defaultValue is systemd's value of iface's property ps for a unit that does not set it, in ps's type.
func defaultValue(iface string, ps propSchema) (any, bool) {
	key := iface + "." + ps.Name
	if v, ok := defaultCache.Load(key); ok {
		return v, true
	}
	raw, ok := systemdDefaults()[iface][ps.Name]
	if !ok {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	out, err := conform(ps.Type, v)
	if err != nil {
		return nil, false
	}
	defaultCache.Store(key, out) // the values are never changed: godbus only reads them
	return out, true
}

// goType is the Go type godbus sends as the single complete type sig: a structure is a struct of its fields.
func goType(sig string) (reflect.Type, error) {
	t, rest, err := nextType(sig)
	if err != nil || rest != "" {
		return nil, fmt.Errorf("dbusapi: signature %q", sig)
	}
	return t, nil
}

func nextType(sig string) (reflect.Type, string, error) {
	if sig == "" {
		return nil, "", fmt.Errorf("empty")
	}
	basic := map[byte]reflect.Type{'y': reflect.TypeOf(byte(0)), 'b': reflect.TypeOf(false), 'n': reflect.TypeOf(int16(0)),
		'q': reflect.TypeOf(uint16(0)), 'i': reflect.TypeOf(int32(0)), 'u': reflect.TypeOf(uint32(0)),
		'x': reflect.TypeOf(int64(0)), 't': reflect.TypeOf(uint64(0)), 'd': reflect.TypeOf(float64(0)),
		's': reflect.TypeOf(""), 'o': reflect.TypeOf(dbus.ObjectPath("")), 'v': reflect.TypeOf(dbus.Variant{})}
	if t, ok := basic[sig[0]]; ok {
		return t, sig[1:], nil
	}
	switch sig[0] {
	case 'a':
		if strings.HasPrefix(sig, "a{") {
			k, rest, err := nextType(sig[2:])
			if err != nil {
				return nil, "", err
			}
			v, rest, err := nextType(rest)
			if err != nil || !strings.HasPrefix(rest, "}") {
				return nil, "", fmt.Errorf("bad dict")
			}
			return reflect.MapOf(k, v), rest[1:], nil
		}
		e, rest, err := nextType(sig[1:])
		if err != nil {
			return nil, "", err
		}
		return reflect.SliceOf(e), rest, nil
	case '(':
		var fields []reflect.StructField
		rest := sig[1:]
		for !strings.HasPrefix(rest, ")") {
			var t reflect.Type
			var err error
			if t, rest, err = nextType(rest); err != nil {
				return nil, "", err
			}
			fields = append(fields, reflect.StructField{Name: "F" + strconv.Itoa(len(fields)), Type: t})
		}
		return reflect.StructOf(fields), rest[1:], nil
	}
	return nil, "", fmt.Errorf("type %q", sig[0])
}

// conform is a JSON value in the D-Bus type sig.
func conform(sig string, v any) (any, error) {
	t, err := goType(sig)
	if err != nil {
		return nil, err
	}
	rv := reflect.New(t).Elem()
	if err := fill(rv, v); err != nil {
		return nil, fmt.Errorf("dbusapi: %s: %w", sig, err)
	}
	return rv.Interface(), nil
}

// fill sets rv from the JSON value v (numbers as json.Number; a structure as the list of its fields).
func fill(rv reflect.Value, v any) error {
	switch rv.Kind() {
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("want a boolean, have %v", v)
		}
		rv.SetBool(b)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a string, have %v", v)
		}
		rv.SetString(s)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		u, err := strconv.ParseUint(string(n), 10, rv.Type().Bits())
		if !ok || err != nil {
			return fmt.Errorf("want an unsigned number, have %v", v)
		}
		rv.SetUint(u)
	case reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		i, err := strconv.ParseInt(string(n), 10, rv.Type().Bits())
		if !ok || err != nil {
			return fmt.Errorf("want a number, have %v", v)
		}
		rv.SetInt(i)
	case reflect.Float64:
		n, ok := v.(json.Number)
		f, err := strconv.ParseFloat(string(n), 64)
		if !ok || err != nil {
			return fmt.Errorf("want a number, have %v", v)
		}
		rv.SetFloat(f)
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want a list, have %v", v)
		}
		rv.Set(reflect.MakeSlice(rv.Type(), len(l), len(l)))
		for i, e := range l {
			if err := fill(rv.Index(i), e); err != nil {
				return err
			}
		}
	case reflect.Struct:
		l, ok := v.([]any)
		if !ok || len(l) != rv.NumField() {
			return fmt.Errorf("want %d fields, have %v", rv.NumField(), v)
		}
		for i, e := range l {
			if err := fill(rv.Field(i), e); err != nil {
				return err
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || len(m) > 0 && rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("want a dictionary, have %v", v)
		}
		rv.Set(reflect.MakeMap(rv.Type()))
		for k, e := range m {
			ev := reflect.New(rv.Type().Elem()).Elem()
			if err := fill(ev, e); err != nil {
				return err
			}
			rv.SetMapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()), ev)
		}
	default:
		return fmt.Errorf("no default of kind %s", rv.Kind())
	}
	return nil
}
