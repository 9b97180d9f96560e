package sdktest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// suite is one run of the cases against one plugin binary.
type suite struct {
	path   string
	sample Sample
	cl     *sdk.Client // shared by the cases that need no fresh process
	desc   *pb.DescribeResponse
	config []byte
}

// cases are the suite's named cases, in the order Run runs them.
var cases = []struct {
	name string
	run  func(*suite, *testing.T)
}{
	{"describe names the type and a version", (*suite).describe},
	{"describe is stable", (*suite).describeStable},
	{"parse the sample", (*suite).parseSample},
	{"parse errors keep file and line", (*suite).parseErrors},
	{"parse batch order", (*suite).parseBatch},
	{"unknown event ignored", (*suite).unknownEvent},
	{"every event kind on a fresh unit", (*suite).everyKind},
	{"batch order", (*suite).batchOrder},
	{"batch threads state per unit", (*suite).batchPerUnit},
	{"state version", (*suite).stateVersion},
	{"state round trip through a fresh plugin process", (*suite).freshProcess},
	{"recover with nothing alive", (*suite).recoverNothing},
	{"recover idempotent", (*suite).recoverIdempotent},
	{"stop twice", (*suite).stopTwice},
	{"stop a unit that never started", (*suite).stopNeverStarted},
	{"reset-failed of a unit that has not failed", (*suite).resetNotFailed},
	{"protocol version skew", (*suite).versionSkew},
	{"slow handle: a large batch within the deadline", (*suite).largeBatch},
	{"slow handle: a call past its deadline leaves the plugin serving", (*suite).pastDeadline},
}

// Run runs every case against the plugin binary at path, each as a subtest named for what it checks: Describe
// is sound and stable; the sample parses, the same way each time and alone or in a batch; Parse's errors name
// the file, line and key; an event of a kind the SDK does not know is ignored and no kind makes the plugin
// panic; a batch means what its events mean one by one, per unit; state bytes carry the state version and
// mean the same to a fresh plugin process; Recover with nothing alive works and a second one changes nothing;
// stop twice, stop before any start and reset-failed of a healthy unit are harmless; a host of another protocol
// version is refused at the handshake; a large batch comes back in time and a call cut short by its deadline
// leaves the plugin serving.
func Run(t *testing.T, path string, s Sample) {
	su := &suite{path: path, sample: s, cl: Launch(t, path)}
	var err error
	if su.desc, err = su.cl.Describe(ctx(t), "sdktest"); err != nil {
		t.Fatalf("describe: %v", err)
	}
	parsed := su.parse(t, su.cl, s.Sections)
	for _, p := range parsed.Problems {
		if p.Severity == pb.Problem_SEVERITY_ERROR {
			t.Fatalf("the sample unit does not parse: %v", p)
		}
	}
	su.config = parsed.Config
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(su, t) })
	}
}

func (s *suite) parse(t *testing.T, cl *sdk.Client, sections []*sdk.Section) *pb.Parsed {
	t.Helper()
	res, err := cl.Parse(ctx(t), []*pb.UnitFile{s.unitFile(s.sample.Unit, sections)})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return res[0]
}

func (s *suite) unitFile(name string, sections []*sdk.Section) *pb.UnitFile {
	return &pb.UnitFile{Unit: &pb.UnitInfo{Name: name, Names: []string{name}, DefaultDependencies: true},
		Sections: sdk.SectionsToWire(sections)}
}

func (s *suite) item(unit string, state []byte, e *pb.Event) *pb.Item {
	return &pb.Item{Unit: unit, Config: s.config, State: state, Event: e, Runtime: &pb.UnitRuntime{}}
}

// one delivers one event for the sample unit in state and returns its result.
func (s *suite) one(t *testing.T, cl *sdk.Client, state []byte, e *pb.Event) *pb.Result {
	t.Helper()
	res, err := cl.Handle(ctx(t), []*pb.Item{s.item(s.sample.Unit, state, e)})
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	return res[0]
}

// ok is one with a result that must not be an error.
func (s *suite) ok(t *testing.T, state []byte, e *pb.Event) *pb.Result {
	t.Helper()
	r := s.one(t, s.cl, state, e)
	if r.Error != "" {
		t.Fatalf("%v: %s", e, r.Error)
	}
	return r
}

var (
	start       = &pb.Event{Kind: &pb.Event_Start{Start: &pb.Start{}}}
	stop        = &pb.Event{Kind: &pb.Event_Stop{Stop: &pb.Stop{}}}
	recover     = &pb.Event{Kind: &pb.Event_Recover{Recover: &pb.Recover{}}}
	resetFailed = &pb.Event{Kind: &pb.Event_ResetFailed{ResetFailed: &pb.ResetFailed{}}}
)

// lastState is the last SetState among actions, nil when there is none.
func lastState(actions []*pb.Action) *pb.SetState {
	var last *pb.SetState
	for _, a := range actions {
		if s := a.GetSetState(); s != nil {
			last = s
		}
	}
	return last
}

func (s *suite) describe(t *testing.T) {
	if s.desc.Type == "" || s.desc.Version == "" {
		t.Fatalf("Describe must name the type and a version: %v", s.desc)
	}
	if !strings.HasSuffix(s.sample.Unit, "."+s.desc.Type) {
		t.Fatalf("the sample unit %q is not of type %q", s.sample.Unit, s.desc.Type)
	}
}

func (s *suite) describeStable(t *testing.T) {
	again, err := s.cl.Describe(ctx(t), "sdktest")
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(again, s.desc) {
		t.Fatalf("Describe changed its answer: %v, then %v", s.desc, again)
	}
}

func (s *suite) parseSample(t *testing.T) {
	// Run checked the errors already; the config must read back the same each time (it is the host's key
	// for "did the unit change" on daemon-reload).
	again := s.parse(t, s.cl, s.sample.Sections)
	if string(again.Config) != string(s.config) {
		t.Fatalf("parsing the same unit twice gave different configs:\n%s\n%s", s.config, again.Config)
	}
}

func (s *suite) parseErrors(t *testing.T) {
	if s.sample.Bad == nil {
		t.Skip("the type has no sections of its own: nothing to refuse")
	}
	places := map[string]bool{}
	for _, sec := range s.sample.Bad {
		for _, e := range sec.Entries {
			places[fmt.Sprintf("%s:%d", e.File, e.Line)] = true
		}
	}
	res := s.parse(t, s.cl, s.sample.Bad)
	n := 0
	// A problem is an error (the unit is refused) or a warning (the line is ignored, as systemd does with most
	// bad values): either must say where.
	for _, p := range res.Problems {
		n++
		if !places[fmt.Sprintf("%s:%d", p.File, p.Line)] || p.Key == "" || p.Message == "" {
			t.Errorf("problem %v does not name the file, line and key of an entry it was given", p)
		}
	}
	if n == 0 {
		t.Fatalf("the bad sample parsed without a problem: %v", res.Problems)
	}
}

func (s *suite) parseBatch(t *testing.T) {
	bad := s.sample.Bad
	if bad == nil {
		bad = s.sample.Sections
	}
	units := []*pb.UnitFile{s.unitFile(s.sample.Unit, s.sample.Sections), s.unitFile(s.sample.Unit, bad),
		s.unitFile(s.sample.Unit, s.sample.Sections)}
	batch, err := s.cl.Parse(ctx(t), units)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range units {
		one, err := s.cl.Parse(ctx(t), []*pb.UnitFile{u})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(one[0], batch[i]) {
			t.Fatalf("unit %d: the batch gave %v, alone %v", i, batch[i], one[0])
		}
	}
}

// unknownKind is an event with a kind no SDK knows (field 1000 of the oneof's message), as a newer host sends.
func unknownKind(t *testing.T) *pb.Event {
	b := protowire.AppendTag(nil, 1000, protowire.BytesType)
	b = protowire.AppendBytes(b, nil)
	e := &pb.Event{}
	if err := proto.Unmarshal(b, e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (s *suite) unknownEvent(t *testing.T) {
	started := s.ok(t, nil, start)
	r := s.one(t, s.cl, started.State, unknownKind(t))
	if r.Error != "" || len(r.Actions) != 0 || string(r.State) != string(started.State) {
		t.Fatalf("an event of an unknown kind must leave the unit as it was, without actions or error: %v", r)
	}
	if r := s.one(t, s.cl, started.State, stop); r.Error != "" {
		t.Fatalf("the plugin must keep serving after an unknown event: %s", r.Error)
	}
}

// everyKind delivers each kind of the contract, empty, to a fresh unit and to a started one: an event may be
// refused, but the plugin must not panic on it.
func (s *suite) everyKind(t *testing.T) {
	started := s.ok(t, nil, start)
	kinds := (&pb.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("kind").Fields()
	for i := range kinds.Len() {
		f := kinds.Get(i)
		e := &pb.Event{}
		m := e.ProtoReflect()
		m.Set(f, protoreflect.ValueOfMessage(m.NewField(f).Message()))
		for _, state := range [][]byte{nil, started.State} {
			if r := s.one(t, s.cl, state, e); strings.Contains(r.Error, "panicked") {
				t.Errorf("%s: %s", f.Name(), r.Error)
			}
		}
	}
}

func (s *suite) batchOrder(t *testing.T) {
	// A batch means exactly what its events mean one call at a time.
	events := []*pb.Event{start, stop, start, stop}
	items := make([]*pb.Item, len(events))
	for i, e := range events {
		items[i] = s.item(s.sample.Unit, nil, e)
	}
	batch, err := s.cl.Handle(ctx(t), items)
	if err != nil {
		t.Fatal(err)
	}
	var state []byte
	for i, e := range events {
		r := s.one(t, s.cl, state, e)
		if !proto.Equal(r, batch[i]) {
			t.Fatalf("event %d: batch gave %v, one by one %v", i, batch[i], r)
		}
		state = r.State
	}
}

func (s *suite) batchPerUnit(t *testing.T) {
	// Two units interleaved: each one's state is threaded through its own items only.
	other := "other-" + s.sample.Unit
	items := []*pb.Item{s.item(s.sample.Unit, nil, start), s.item(other, nil, stop), s.item(s.sample.Unit, nil, stop),
		s.item(other, nil, start)}
	batch, err := s.cl.Handle(ctx(t), items)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string][]byte{}
	for i, it := range items {
		res, err := s.cl.Handle(ctx(t), []*pb.Item{s.item(it.Unit, states[it.Unit], it.Event)})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(res[0], batch[i]) {
			t.Fatalf("item %d (%s): batch gave %v, one by one %v", i, it.Unit, batch[i], res[0])
		}
		states[it.Unit] = res[0].State
	}
}

func (s *suite) stateVersion(t *testing.T) {
	r := s.ok(t, nil, start)
	if s.desc.StateVersion != 0 && r.StateVersion != s.desc.StateVersion {
		t.Fatalf("state written with version %d, Describe says %d", r.StateVersion, s.desc.StateVersion)
	}
}

func (s *suite) freshProcess(t *testing.T) {
	first := s.ok(t, nil, start)
	want := s.one(t, s.cl, first.State, stop)
	fresh := Launch(t, s.path)
	got := s.one(t, fresh, first.State, stop)
	if !proto.Equal(got, want) {
		t.Fatalf("a fresh process answered %v, the first %v", got, want)
	}
}

func (s *suite) recoverNothing(t *testing.T) {
	started := s.ok(t, nil, start)
	s.ok(t, started.State, recover)
	s.ok(t, nil, recover) // a unit that never handled an event
}

func (s *suite) recoverIdempotent(t *testing.T) {
	started := s.ok(t, nil, start)
	r1 := s.ok(t, started.State, recover)
	r2 := s.ok(t, r1.State, recover)
	if string(r2.State) != string(r1.State) || !proto.Equal(&pb.Result{Actions: r1.Actions}, &pb.Result{Actions: r2.Actions}) {
		t.Fatalf("a second Recover must change nothing more than the first:\nfirst  %v\nsecond %v", r1, r2)
	}
}

func (s *suite) stopTwice(t *testing.T) {
	started := s.ok(t, nil, start)
	r1 := s.ok(t, started.State, stop)
	r2 := s.ok(t, r1.State, stop)
	if st := lastState(r2.Actions); st != nil && st.Active == pb.ActiveState_ACTIVE_STATE_ACTIVE {
		t.Fatalf("a second stop left the unit active: %v", r2)
	}
}

func (s *suite) stopNeverStarted(t *testing.T) {
	r := s.ok(t, nil, stop)
	if st := lastState(r.Actions); st != nil && st.Active != pb.ActiveState_ACTIVE_STATE_INACTIVE {
		t.Fatalf("stopping a unit that never started must leave it inactive: %v", r)
	}
	for _, a := range r.Actions {
		if a.GetSpawn() != nil {
			t.Fatalf("stopping a unit that never started spawned %v", a)
		}
	}
}

func (s *suite) resetNotFailed(t *testing.T) {
	started := s.ok(t, nil, start)
	r := s.ok(t, started.State, resetFailed)
	if string(r.State) != string(started.State) {
		t.Fatalf("reset-failed changed a unit that had not failed: %s → %s", started.State, r.State)
	}
}

func (s *suite) versionSkew(t *testing.T) {
	// A host that speaks only the next protocol version must refuse the plugin at the handshake, with an error
	// that says so, rather than talk past it.
	next := sdk.ProtocolVersion + 1
	c := newClient(s.path, map[int]plugin.PluginSet{next: {sdk.PluginName: &sdk.GRPCPlugin{}}})
	defer c.Kill()
	_, err := c.Client()
	if err == nil {
		t.Fatalf("a host speaking only protocol %d accepted the plugin (version %d)", next, c.NegotiatedVersion())
	}
	if !strings.Contains(err.Error(), "version") {
		t.Fatalf("the refusal does not name the version: %v", err)
	}
}

// largeBatch: a batch as a busy host sends after a restart (a thousand events) comes back within the deadline.
func (s *suite) largeBatch(t *testing.T) {
	const n = 1000
	items := make([]*pb.Item, n)
	for i := range items {
		e := start
		if i%2 == 1 {
			e = stop
		}
		items[i] = s.item(fmt.Sprintf("u%d-%s", i/2, s.sample.Unit), nil, e)
	}
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.cl.Handle(c, items)
	if err != nil {
		t.Fatalf("a batch of %d events: %v", n, err)
	}
	for i, r := range res {
		if r.Error != "" {
			t.Fatalf("item %d: %s", i, r.Error)
		}
	}
}

// pastDeadline: a call whose deadline passes while the plugin works on it fails on the host side (or, on a
// fast plugin, succeeds), and the plugin answers the next call as if nothing happened.
func (s *suite) pastDeadline(t *testing.T) {
	items := make([]*pb.Item, 5000)
	for i := range items {
		items[i] = s.item(fmt.Sprintf("u%d-%s", i, s.sample.Unit), nil, start)
	}
	c, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := s.cl.Handle(c, items); err != nil && status.Code(err) != codes.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call past its deadline: %v", err)
	}
	want := s.ok(t, nil, start)
	if got := s.ok(t, nil, start); !proto.Equal(got, want) {
		t.Fatalf("after a cut call the plugin answers %v, then %v", want, got)
	}
}
