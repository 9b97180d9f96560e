// Package sdktest is the conformance suite every unit-type plugin should pass, ours and third parties': it
// launches the plugin binary as the host would (go-plugin handshake, gRPC) and checks the named properties the
// host relies on.
//
//	func TestConformance(t *testing.T) {
//		bin := buildMyPlugin(t)
//		sdktest.Run(t, bin, sdktest.Sample{Unit: "x.run", Sections: …})
//	}
package sdktest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/protobuf/proto"

	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Sample is one valid unit of the plugin's type that the suite parses and drives.
type Sample struct {
	Unit     string
	Sections []*pb.Section
}

// Launch starts the plugin binary at path and returns its client; it is killed when the test ends. A test
// process may use go-plugin's own runner: the one-waiter rule binds the core, not its tests.
func Launch(t testing.TB, path string) *sdk.Client {
	t.Helper()
	c := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.PluginSets(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Cmd:              exec.Command(path),
		StartTimeout:     10 * time.Second,
	})
	t.Cleanup(c.Kill)
	cl, err := sdk.Dispense(c)
	if err != nil {
		t.Fatalf("sdktest: launch %s: %v", path, err)
	}
	return cl
}

func ev(e any) *pb.Event {
	switch k := e.(type) {
	case *pb.Start:
		return &pb.Event{Kind: &pb.Event_Start{Start: k}}
	case *pb.Stop:
		return &pb.Event{Kind: &pb.Event_Stop{Stop: k}}
	case *pb.Recover:
		return &pb.Event{Kind: &pb.Event_Recover{Recover: k}}
	}
	return &pb.Event{}
}

// Run runs every conformance case against the plugin binary at path.
func Run(t *testing.T, path string, s Sample) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl := Launch(t, path)
	desc, err := cl.Describe(ctx, "sdktest")
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	parsed, err := cl.Parse(ctx, []*pb.UnitFile{{Unit: &pb.UnitInfo{Name: s.Unit, DefaultDependencies: true}, Sections: s.Sections}})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	for _, p := range parsed[0].Problems {
		if p.Severity == pb.Problem_SEVERITY_ERROR {
			t.Fatalf("the sample unit does not parse: %v", p)
		}
	}
	config := parsed[0].Config
	item := func(state []byte, e *pb.Event) *pb.Item {
		return &pb.Item{Unit: s.Unit, Config: config, State: state, Event: e, Runtime: &pb.UnitRuntime{}}
	}
	one := func(t *testing.T, c *sdk.Client, state []byte, e *pb.Event) *pb.Result {
		t.Helper()
		res, err := c.Handle(ctx, []*pb.Item{item(state, e)})
		if err != nil {
			t.Fatalf("handle: %v", err)
		}
		return res[0]
	}

	t.Run("describe", func(t *testing.T) {
		if desc.Type == "" || desc.Version == "" {
			t.Fatalf("Describe must name the type and a version: %v", desc)
		}
	})

	t.Run("batch order", func(t *testing.T) {
		// A batch means exactly what its events mean one call at a time.
		events := []*pb.Event{ev(&pb.Start{}), ev(&pb.Stop{}), ev(&pb.Start{})}
		items := make([]*pb.Item, len(events))
		for i, e := range events {
			items[i] = item(nil, e)
		}
		batch, err := cl.Handle(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		var state []byte
		for i, e := range events {
			r := one(t, cl, state, e)
			if !proto.Equal(r, batch[i]) {
				t.Fatalf("event %d: batch gave %v, one by one %v", i, batch[i], r)
			}
			state = r.State
		}
	})

	t.Run("state round trip through a fresh plugin process", func(t *testing.T) {
		first := one(t, cl, nil, ev(&pb.Start{}))
		want := one(t, cl, first.State, ev(&pb.Stop{}))
		fresh := Launch(t, path)
		got := one(t, fresh, first.State, ev(&pb.Stop{}))
		if !proto.Equal(got, want) {
			t.Fatalf("a fresh process answered %v, the first %v", got, want)
		}
	})

	t.Run("recover with nothing alive", func(t *testing.T) {
		started := one(t, cl, nil, ev(&pb.Start{}))
		if r := one(t, cl, started.State, ev(&pb.Recover{})); r.Error != "" {
			t.Fatalf("recover: %s", r.Error)
		}
	})

	t.Run("stop twice", func(t *testing.T) {
		r1 := one(t, cl, nil, ev(&pb.Stop{}))
		r2 := one(t, cl, r1.State, ev(&pb.Stop{}))
		if r1.Error != "" || r2.Error != "" {
			t.Fatalf("stop of a stopped unit must not fail: %q %q", r1.Error, r2.Error)
		}
	})

	t.Run("unknown event", func(t *testing.T) {
		r := one(t, cl, nil, &pb.Event{})
		if r.Error == "" || len(r.Actions) != 0 {
			t.Fatalf("an event without a kind must be refused without actions: %v", r)
		}
		if r := one(t, cl, nil, ev(&pb.Start{})); r.Error != "" {
			t.Fatalf("the plugin must keep serving after a refused event: %s", r.Error)
		}
	})
}
