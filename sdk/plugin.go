package sdk

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// GRPCPlugin is the go-plugin glue for the unit-type service: on the plugin side it serves Impl, on the host
// side it dispenses a *Client. There is no net/rpc path.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl UnitType
}

// GRPCServer registers the unit-type service (plugin side).
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterUnitTypeServer(s, &server{impl: p.Impl})
	return nil
}

// GRPCClient returns a *Client (host side).
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: pb.NewUnitTypeClient(c)}, nil
}

// server adapts a UnitType to the gRPC service.
type server struct {
	pb.UnimplementedUnitTypeServer
	impl UnitType
}

func (s *server) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	return describeToWire(s.impl.Describe()), nil
}

func (s *server) Parse(_ context.Context, req *pb.ParseRequest) (*pb.ParseResponse, error) {
	resp := &pb.ParseResponse{Results: make([]*pb.Parsed, len(req.Units))}
	for i, uf := range req.Units {
		resp.Results[i] = s.parseOne(uf)
	}
	return resp, nil
}

// parseOne keeps a panicking parser from failing the other units of the batch: the unit gets an error.
func (s *server) parseOne(uf *pb.UnitFile) (out *pb.Parsed) {
	defer func() {
		if r := recover(); r != nil {
			out = &pb.Parsed{Problems: []*pb.Problem{{Severity: pb.Problem_SEVERITY_ERROR,
				Message: fmt.Sprintf("plugin panicked while parsing: %v", r)}}}
		}
	}()
	res := s.impl.Parse(&ParseRequest{Unit: unitInfoFromWire(uf.Unit), Sections: sectionsFromWire(uf.Sections)})
	if res == nil {
		res = &ParseResult{}
	}
	return parsedToWire(res)
}

// Handle applies the batch in order, threading each unit's state from one item to the next (see Item in the
// proto), so that a batch means exactly what its events would mean one call at a time.
func (s *server) Handle(_ context.Context, req *pb.HandleRequest) (*pb.HandleResponse, error) {
	type state struct {
		b []byte
		v uint32
	}
	latest := make(map[string]state)
	results := make([]*pb.Result, len(req.Items))
	for i, it := range req.Items {
		u := &Unit{Name: it.Unit, Config: it.Config, State: it.State, StateVersion: it.StateVersion, Runtime: runtimeFromWire(it.Runtime)}
		if st, ok := latest[it.Unit]; ok {
			u.State, u.StateVersion = st.b, st.v
		}
		prev := state{u.State, u.StateVersion}
		if err := s.handleOne(u, it.Event); err != nil {
			results[i] = &pb.Result{State: prev.b, StateVersion: prev.v, Error: err.Error()}
			latest[it.Unit] = prev
			continue
		}
		if u.StateVersion == 0 {
			u.StateVersion = s.impl.Describe().StateVersion
		}
		results[i] = &pb.Result{State: u.State, StateVersion: u.StateVersion, Actions: actionsToWire(u.actions)}
		latest[it.Unit] = state{u.State, u.StateVersion}
	}
	return &pb.HandleResponse{Results: results}, nil
}

// handleOne keeps a panicking handler from taking the plugin down with the whole batch: the event fails, the
// unit keeps its state. An event this SDK does not know (a newer host's kind, or none) is answered with the
// state as it was and no action, as the contract's "a receiver ignores what it does not know" asks.
func (s *server) handleOne(u *Unit, ev *pb.Event) (err error) {
	defer recoverInto(&err, "handle")
	e := eventFromWire(ev)
	if e.Kind == nil {
		return nil
	}
	return s.impl.Handle(u, e)
}

func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("plugin panicked in %s: %v", what, r)
	}
}
