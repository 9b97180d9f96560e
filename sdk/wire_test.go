package sdk

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// fillWire sets every field of m, recursively, to a non-zero value.
func fillWire(m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if f.ContainingOneof() != nil {
			continue
		}
		switch {
		case f.IsMap():
			mp := m.Mutable(f).Map()
			k := protoreflect.ValueOfString("k").MapKey()
			if f.MapValue().Kind() == protoreflect.MessageKind {
				v := mp.NewValue()
				fillWire(v.Message())
				mp.Set(k, v)
			} else {
				mp.Set(k, scalar(f.MapValue()))
			}
		case f.IsList():
			l := m.Mutable(f).List()
			if f.Kind() == protoreflect.MessageKind {
				v := l.NewElement()
				fillWire(v.Message())
				l.Append(v)
			} else {
				l.Append(scalar(f))
			}
		case f.Kind() == protoreflect.MessageKind:
			fillWire(m.Mutable(f).Message())
		default:
			m.Set(f, scalar(f))
		}
	}
}

func scalar(f protoreflect.FieldDescriptor) protoreflect.Value {
	switch f.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("x")
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte("x"))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(1)
	case protoreflect.Int32Kind:
		return protoreflect.ValueOfInt32(2)
	case protoreflect.Int64Kind:
		return protoreflect.ValueOfInt64(2)
	case protoreflect.Uint32Kind:
		return protoreflect.ValueOfUint32(2)
	case protoreflect.Uint64Kind:
		return protoreflect.ValueOfUint64(2)
	}
	panic("sdk: wire_test: no value for " + f.Kind().String())
}

// allSet fails t for every field of v (a Go struct, recursively through pointers, slices and maps) that is zero.
func allSet(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			t.Errorf("%s: nil", path)
			return
		}
		allSet(t, path, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			allSet(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s: empty", path)
			return
		}
		if v.Type().Elem().Kind() != reflect.Uint8 {
			allSet(t, path+"[0]", v.Index(0))
		}
	case reflect.Map:
		if v.Len() == 0 {
			t.Errorf("%s: empty", path)
			return
		}
		allSet(t, path+"[k]", v.MapIndex(v.MapKeys()[0]))
	default:
		if v.IsZero() {
			t.Errorf("%s: zero", path)
		}
	}
}

// TestEventsFromWireCarryEveryField: every field of every event kind of the contract reaches the Go type, and
// no Go field is left without its wire field.
func TestEventsFromWireCarryEveryField(t *testing.T) {
	kinds := (&pb.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("kind").Fields()
	for i := range kinds.Len() {
		f := kinds.Get(i)
		e := &pb.Event{}
		m := e.ProtoReflect()
		inner := m.NewField(f)
		fillWire(inner.Message())
		m.Set(f, inner)
		got := eventFromWire(e).Kind
		if got == nil {
			t.Errorf("%s: no Go event", f.Name())
			continue
		}
		gv := reflect.ValueOf(got).Elem()
		if n, w := gv.NumField(), inner.Message().Descriptor().Fields().Len(); n != w {
			t.Errorf("%s: %T has %d fields, the wire message %d", f.Name(), got, n, w)
		}
		allSet(t, string(f.Name()), gv)
	}
	if k := eventFromWire(&pb.Event{}).Kind; k != nil {
		t.Errorf("an event without a kind became %T", k)
	}
}

// fillGo sets every field of v (a Go struct, recursively) to a non-zero value.
func fillGo(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillGo(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			fillGo(v.Field(i))
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillGo(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillGo(k)
		fillGo(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(2)
	case reflect.Uint8, reflect.Uint32, reflect.Uint64:
		v.SetUint(2)
	default:
		panic("sdk: wire_test: cannot fill " + v.Kind().String())
	}
}

// wireSet fails t for every field of m, recursively, that is not set.
func wireSet(t *testing.T, path string, m protoreflect.Message) {
	t.Helper()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		p := path + "." + string(f.Name())
		if !m.Has(f) {
			t.Errorf("%s: not set", p)
			continue
		}
		switch {
		case f.IsMap() && f.MapValue().Kind() == protoreflect.MessageKind:
			m.Get(f).Map().Range(func(_ protoreflect.MapKey, v protoreflect.Value) bool {
				wireSet(t, p+"[k]", v.Message())
				return true
			})
		case f.IsList() && f.Kind() == protoreflect.MessageKind:
			wireSet(t, p+"[0]", m.Get(f).List().Get(0).Message())
		case !f.IsMap() && !f.IsList() && f.Kind() == protoreflect.MessageKind:
			wireSet(t, p, m.Get(f).Message())
		}
	}
}

// TestActionsToWireCarryEveryField: every field of every Go action reaches the wire, and every field of each
// wire action is filled from one.
func TestActionsToWireCarryEveryField(t *testing.T) {
	actions := []Action{&SetState{}, &Spawn{}, &KillAction{}, &ArmTimer{}, &DisarmTimer{}, &OpenSocket{},
		&CloseFd{}, &WatchFd{}, &EnqueueJob{}, &SetMainPid{}, &Log{}, &DeclareUnit{}, &WatchTimeChange{}, &OpenAutofs{},
		&AutofsReply{}, &ExpireAutofs{}, &WatchPaths{}, &RealizeCgroup{}, &AttachProcesses{}}
	kinds := (&pb.Action{}).ProtoReflect().Descriptor().Oneofs().ByName("kind").Fields()
	if len(actions) != kinds.Len() {
		t.Errorf("%d Go actions, %d wire kinds", len(actions), kinds.Len())
	}
	for _, a := range actions {
		fillGo(reflect.ValueOf(a).Elem())
		w := actionToWire(a)
		if w == nil || w.Kind == nil {
			t.Errorf("%T: no wire action", a)
			continue
		}
		m := w.ProtoReflect()
		f := m.WhichOneof(m.Descriptor().Oneofs().ByName("kind"))
		wireSet(t, string(f.Name()), m.Get(f).Message())
	}
}

func TestRuntimeAndUnitFromWire(t *testing.T) {
	rt := &pb.UnitRuntime{}
	fillWire(rt.ProtoReflect())
	allSet(t, "runtime", reflect.ValueOf(runtimeFromWire(rt)))
	if n, w := reflect.TypeOf(Runtime{}).NumField(), rt.ProtoReflect().Descriptor().Fields().Len(); n != w {
		t.Errorf("Runtime has %d fields, the wire %d", n, w)
	}
	info := &pb.UnitInfo{}
	fillWire(info.ProtoReflect())
	allSet(t, "unit", reflect.ValueOf(unitInfoFromWire(info)))
	sec := &pb.Section{}
	fillWire(sec.ProtoReflect())
	allSet(t, "sections", reflect.ValueOf(sectionsFromWire([]*pb.Section{sec})))
}

func TestParsedToWire(t *testing.T) {
	r := &ParseResult{}
	fillGo(reflect.ValueOf(r).Elem())
	wireSet(t, "parsed", parsedToWire(r).ProtoReflect())
	d := Description{}
	fillGo(reflect.ValueOf(&d).Elem())
	wireSet(t, "describe", describeToWire(d).ProtoReflect())
}

// Every state of the protocol's enum converts to the SDK's and back unchanged and reads with systemd's name;
// the zero value (not reported) and unknown values read "inactive".
func TestActiveStateWire(t *testing.T) {
	want := map[pb.ActiveState]string{
		pb.ActiveState_ACTIVE_STATE_INACTIVE: "inactive", pb.ActiveState_ACTIVE_STATE_ACTIVATING: "activating",
		pb.ActiveState_ACTIVE_STATE_ACTIVE: "active", pb.ActiveState_ACTIVE_STATE_DEACTIVATING: "deactivating",
		pb.ActiveState_ACTIVE_STATE_FAILED: "failed", pb.ActiveState_ACTIVE_STATE_RELOADING: "reloading",
		pb.ActiveState_ACTIVE_STATE_MAINTENANCE: "maintenance",
	}
	if len(want) != len(pb.ActiveState_name)-1 {
		t.Fatalf("the protocol has %d states, this test knows %d", len(pb.ActiveState_name)-1, len(want))
	}
	for w, name := range want {
		s := activeFromWire(w)
		if activeToWire(s) != w || s.String() != name {
			t.Errorf("%v: SDK %d %q, back %v", w, s, s.String(), activeToWire(s))
		}
	}
	for _, c := range []struct {
		s    ActiveState
		name string
	}{{Inactive, "inactive"}, {Active, "active"}, {Maintenance, "maintenance"}, {0, "inactive"}, {99, "inactive"}} {
		if c.s.String() != c.name {
			t.Errorf("%d reads %q, want %q", c.s, c.s.String(), c.name)
		}
	}
}
