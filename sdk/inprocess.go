package sdk

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// InProcess returns a Client that serves t in the calling process: each call goes through the same server code
// as a plugin's (Serve), wire conversions and batch threading included, without a process or a connection. A
// host's tests use it to run their loop against a unit type in memory. Requests and answers are copied, as the
// wire would, so that neither side holds the other's memory; a call's context is not consulted.
func InProcess(t UnitType) *Client {
	return &Client{rpc: direct{&server{impl: t}}}
}

// direct is a pb.UnitTypeClient that calls the server's methods.
type direct struct{ s *server }

func (d direct) Describe(ctx context.Context, in *pb.DescribeRequest, _ ...grpc.CallOption) (*pb.DescribeResponse, error) {
	return call(ctx, in, d.s.Describe)
}

func (d direct) Parse(ctx context.Context, in *pb.ParseRequest, _ ...grpc.CallOption) (*pb.ParseResponse, error) {
	return call(ctx, in, d.s.Parse)
}

func (d direct) Handle(ctx context.Context, in *pb.HandleRequest, _ ...grpc.CallOption) (*pb.HandleResponse, error) {
	return call(ctx, in, d.s.Handle)
}

// call runs f on a copy of in and returns a copy of its answer.
func call[Req, Resp proto.Message](ctx context.Context, in Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	out, err := f(ctx, proto.Clone(in).(Req))
	if err != nil {
		return out, err
	}
	return proto.Clone(out).(Resp), nil
}
