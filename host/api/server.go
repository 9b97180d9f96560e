package api

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// readOnly lists the methods any uid may call.
var readOnly = map[string]bool{
	"ListUnits": true, "ListUnitFiles": true, "Show": true, "Cat": true, "ListJobs": true, "ListPlugins": true, "WaitJobs": true,
	"Logs": true, "Ping": true,
}

// Server is the control API server.
type Server struct {
	grpc *grpc.Server
	ln   net.Listener
}

// Listen serves the control API over core. It binds the socket at path (replacing a stale one) with mode 0666:
// everyone may connect, the server decides per call.
func Listen(path string, core Core) (*Server, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{ln: ln, grpc: grpc.NewServer(
		grpc.Creds(peerCreds{}),
		grpc.UnaryInterceptor(authorize),
		grpc.StreamInterceptor(authorizeStream),
	)}
	controlv1.RegisterManagerServer(s.grpc, &service{core: core})
	go s.grpc.Serve(ln)
	return s, nil
}

// Stop lets the calls under way answer (a caller of Shutdown gets its reply) for up to a second, then ends
// every call still open, such as a log follower.
func (s *Server) Stop() {
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		s.grpc.Stop()
	}
}

// authorize lets uid 0 call everything and others only the read-only methods, and translates errors into
// gRPC codes so that their class survives the wire.
func authorize(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := permitted(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	resp, err := handler(ctx, req)
	return resp, errdefs.ToGRPC(err)
}

// authorizeStream is authorize for streaming methods.
func authorizeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := permitted(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return errdefs.ToGRPC(handler(srv, ss))
}

// permitted decides by the caller's credentials whether it may call fullMethod; the refusal is a gRPC error.
func permitted(ctx context.Context, fullMethod string) error {
	method := fullMethod[strings.LastIndex(fullMethod, "/")+1:]
	cred, ok := callerCred(ctx)
	if !ok {
		return errdefs.ToGRPC(errdefs.PermissionDenied(fmt.Errorf("caller credentials unknown")))
	}
	if cred.Uid != 0 && !readOnly[method] {
		return errdefs.ToGRPC(errdefs.PermissionDenied(fmt.Errorf("%s: permission denied (uid %d)", method, cred.Uid)))
	}
	return nil
}
