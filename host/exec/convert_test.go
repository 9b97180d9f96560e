package exec

import (
	"reflect"
	"strconv"
	"testing"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
	"github.com/sysmaster/sysmaster/test/fill"
)

// notExecutors are the contract's ExecContext fields the executor does not get (executor.Exec says why).
var notExecutors = map[string]bool{"SyslogIdentifier": true, "IgnoreFailure": true, "PassCredentials": true}

// same checks that ex (an executor type) holds what c (the contract's twin) does, field by field under the
// same names, and that every field of the contract's has a twin.
func same(t *testing.T, path string, c, ex reflect.Value) {
	t.Helper()
	if c.Kind() == reflect.Pointer {
		if c.IsNil() != ex.IsNil() {
			t.Errorf("%s: nil %v, converted nil %v", path, c.IsNil(), ex.IsNil())
			return
		}
		if c.IsNil() {
			return
		}
		c, ex = c.Elem(), ex.Elem()
	}
	switch c.Kind() {
	case reflect.Struct:
		for i := range c.NumField() {
			f := c.Type().Field(i)
			if !f.IsExported() || (c.Type() == reflect.TypeFor[pb.ExecContext]() && notExecutors[f.Name]) {
				continue
			}
			exf := ex.FieldByName(f.Name)
			if !exf.IsValid() {
				t.Errorf("%s.%s has no twin in %s", path, f.Name, ex.Type())
				continue
			}
			same(t, path+"."+f.Name, c.Field(i), exf)
		}
	case reflect.Slice:
		if c.Len() != ex.Len() {
			t.Errorf("%s: %d entries, converted %d", path, c.Len(), ex.Len())
			return
		}
		for i := range c.Len() {
			same(t, path+"["+strconv.Itoa(i)+"]", c.Index(i), ex.Index(i))
		}
	case reflect.Map:
		if c.Len() != ex.Len() {
			t.Errorf("%s: %d entries, converted %d", path, c.Len(), ex.Len())
			return
		}
		for _, k := range c.MapKeys() {
			same(t, path+"["+k.String()+"]", c.MapIndex(k), ex.MapIndex(k))
		}
	default:
		if c.Interface() != ex.Interface() {
			t.Errorf("%s: %v, converted %v", path, c.Interface(), ex.Interface())
		}
	}
}

// Every field of the contract's ExecContext (and the messages under it) reaches the executor with its value,
// but the few that are not the executor's: a field added to the contract and forgotten here fails.
func TestConvertCoversTheContract(t *testing.T) {
	ec := &pb.ExecContext{}
	fill.Exported(reflect.ValueOf(ec).Elem())
	s := &pb.Spawn{Path: "/bin/x", Argv: []string{"x", "y"}, FdNames: []string{"a"}, Role: pb.Role_ROLE_MAIN, Exec: ec}
	sp := toSpec(s)
	same(t, "ExecContext", reflect.ValueOf(ec), reflect.ValueOf(&sp.Exec))
	if sp.Path != s.Path || !reflect.DeepEqual(sp.Argv, s.Argv) || !reflect.DeepEqual(sp.FdNames, s.FdNames) || !sp.Main {
		t.Errorf("spawn: %+v", sp)
	}
	// Without an ExecContext the executor gets the defaults (umask 0022), as for an empty one.
	if sp := toSpec(&pb.Spawn{Path: "/bin/x"}); sp.Exec.Umask != -1 || sp.Main {
		t.Errorf("no ExecContext: %+v", sp)
	}
}
