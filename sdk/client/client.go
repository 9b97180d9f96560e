// Package client connects to the control API of a running sysmaster core (sdk/proto/sysmaster/control/v1)
// over its unix socket. Errors keep their class across the wire (sdk/errdefs), so callers test
// errdefs.IsNotFound(err) rather than matching strings.
//
//	c, err := client.Dial(ctx, "")
//	if err != nil { … }
//	defer c.Close()
//	units, err := c.ListUnits(ctx, &controlv1.ListUnitsRequest{All: true})
package client

import (
	"context"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// DefaultSocket is where the core serves its control API. The environment variable SYSMASTER_SOCKET overrides
// it (for tests that talk to a core in another mount namespace through /proc/PID/root/…).
const DefaultSocket = "/run/sysmaster/private"

// Client is a connection to the core. Its methods are those of controlv1.ManagerClient. A Client may be used
// by several goroutines at once.
type Client struct {
	controlv1.ManagerClient
	conn *unaryConn
}

// Dial prepares a connection to the socket at path ("" for the default). The connection is made by the first
// call, which fails with an errdefs.ErrUnavailable error when nothing listens.
//
// Unary calls go over connections of the client's own (unary.go); streams through grpc-go's client, made on
// their first use.
func Dial(_ context.Context, path string) (*Client, error) {
	if path == "" {
		path = os.Getenv("SYSMASTER_SOCKET")
	}
	if path == "" {
		path = DefaultSocket
	}
	conn := &unaryConn{path: path, streams: func() (*grpc.ClientConn, error) {
		return grpc.NewClient("unix://"+path,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
				return errdefs.FromGRPC(invoker(ctx, method, req, reply, cc, opts...))
			}))
	}}
	return &Client{ManagerClient: controlv1.NewManagerClient(classed{conn}), conn: conn}, nil
}

// Close closes the connections.
func (c *Client) Close() error { return c.conn.Close() }

// classed gives the error of every unary call its errdefs class; a stream's errors are gRPC statuses, as they
// always were.
type classed struct{ *unaryConn }

func (c classed) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return errdefs.FromGRPC(c.unaryConn.Invoke(ctx, method, args, reply, opts...))
}
