package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// fakeCore is a control API server on a unix socket, served by grpc-go as the core serves it.
type fakeCore struct {
	controlv1.UnimplementedManagerServer
	accepted atomic.Int32  // connections accepted
	release  chan struct{} // WaitJobs returns when it is closed
	entries  int           // log entries Logs sends
}

func (f *fakeCore) Show(ctx context.Context, r *controlv1.ShowRequest) (*controlv1.ShowResponse, error) {
	grpc.SetHeader(ctx, metadata.Pairs("warning", "one", "warning", "two"))
	resp := &controlv1.ShowResponse{}
	for _, u := range r.Units {
		switch {
		case u == "missing.service":
			return nil, errdefs.ToGRPC(errdefs.NotFound(fmt.Errorf("unit %s: 100%% not there, ünïcode", u)))
		case strings.HasPrefix(u, "big-"):
			// Answers past the HTTP/2 windows' defaults (64 KiB) and frame size (16 KiB).
			var n int
			fmt.Sscanf(u, "big-%d", &n)
			up := &controlv1.UnitProperties{Unit: u}
			for i := 0; i < n; i++ {
				up.Properties = append(up.Properties, &controlv1.Property{Name: fmt.Sprint("P", i), Value: strings.Repeat("v", 100)})
			}
			resp.Units = append(resp.Units, up)
		default:
			resp.Units = append(resp.Units, &controlv1.UnitProperties{Unit: u, Properties: []*controlv1.Property{{Name: "ActiveState", Value: "active"}}})
		}
	}
	return resp, nil
}

func (f *fakeCore) WaitJobs(ctx context.Context, _ *controlv1.WaitJobsRequest) (*controlv1.WaitJobsResponse, error) {
	select {
	case <-f.release:
		return &controlv1.WaitJobsResponse{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *fakeCore) Logs(_ *controlv1.LogsRequest, s controlv1.Manager_LogsServer) error {
	for i := 0; i < f.entries; i++ {
		if err := s.Send(&controlv1.LogEntry{Text: fmt.Sprint("line ", i)}); err != nil {
			return err
		}
	}
	return nil
}

type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// serve starts a fakeCore on path; stop ends it and closes its connections.
func serve(t *testing.T, path string) (f *fakeCore, stop func()) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	f = &fakeCore{release: make(chan struct{}), entries: 3}
	s := grpc.NewServer()
	controlv1.RegisterManagerServer(s, f)
	go s.Serve(countingListener{ln, &f.accepted})
	var once sync.Once
	stop = func() { once.Do(s.Stop) }
	t.Cleanup(stop)
	return f, stop
}

func dial(t *testing.T, path string) *Client {
	t.Helper()
	c, err := Dial(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func show(c *Client, units ...string) (*controlv1.ShowResponse, error) {
	return c.Show(context.Background(), &controlv1.ShowRequest{Units: units})
}

func TestUnaryCallsShareOneConnection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	f, _ := serve(t, path)
	c := dial(t, path)
	for i := 0; i < 20; i++ {
		var md metadata.MD
		r, err := c.Show(context.Background(), &controlv1.ShowRequest{Units: []string{"a.service"}}, grpc.Header(&md))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Units) != 1 || r.Units[0].Unit != "a.service" || r.Units[0].Properties[0].Value != "active" {
			t.Fatalf("answer %v", r)
		}
		if got := md.Get("warning"); len(got) != 2 || got[0] != "one" || got[1] != "two" {
			t.Fatalf("header metadata %v", md)
		}
	}
	if n := f.accepted.Load(); n != 1 {
		t.Fatalf("20 calls made %d connections", n)
	}
	if c.conn.cc != nil {
		t.Fatal("unary calls went through grpc-go")
	}
}

func TestUnaryErrorsKeepTheirClassAndMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	serve(t, path)
	c := dial(t, path)
	_, err := show(c, "missing.service")
	if !errdefs.IsNotFound(err) || err.Error() != "unit missing.service: 100% not there, ünïcode" {
		t.Fatalf("error %q (not found: %v)", err, errdefs.IsNotFound(err))
	}
	// The connection stays usable after an error status.
	if _, err := show(c, "a.service"); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListUnits(context.Background(), &controlv1.ListUnitsRequest{})
	if !errors.Is(err, errdefs.ErrNotImplemented) {
		t.Fatalf("unimplemented method: %v", err)
	}
}

func TestUnaryLargeAnswers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	serve(t, path)
	c := dial(t, path)
	for _, n := range []int{100, 1000, 30000} { // ≈ 11 KB, 110 KB, 3.3 MB
		r, err := show(c, fmt.Sprint("big-", n))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(r.Units[0].Properties); got != n || r.Units[0].Properties[n-1].Name != fmt.Sprint("P", n-1) {
			t.Fatalf("%d properties asked, %d read", n, got)
		}
	}
}

// Requests as large as the client sends itself, one after the other on the kept connection, stay within the
// server's connection window, also after a request the server has not acknowledged yet (it acknowledges a
// quarter of its window at a time).
func TestUnaryLargeRequests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	f, _ := serve(t, path)
	c := dial(t, path)
	small := strings.Repeat("s", 65535/4-100)
	big := strings.Repeat("x", maxRequest-10) // the request's message adds a tag and a length
	for i := 0; i < 10; i++ {
		for _, name := range []string{small, big} {
			r, err := show(c, name)
			if err != nil {
				t.Fatalf("request %d of %d bytes: %v", i, len(name), err)
			}
			if r.Units[0].Unit != name {
				t.Fatalf("request %d answered for another unit", i)
			}
		}
	}
	if n := f.accepted.Load(); n != 1 || c.conn.cc != nil {
		t.Fatalf("%d connections, grpc-go used: %v", n, c.conn.cc != nil)
	}
}

// A long call (WaitJobs) does not hold up another call of the same client.
func TestUnaryConcurrentCalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	f, _ := serve(t, path)
	c := dial(t, path)
	waited := make(chan error, 1)
	go func() {
		_, err := c.WaitJobs(context.Background(), &controlv1.WaitJobsRequest{})
		waited <- err
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				u := fmt.Sprintf("u%d-%d.service", g, i)
				r, err := show(c, u)
				if err == nil && r.Units[0].Unit != u {
					err = fmt.Errorf("asked %s, answered %s", u, r.Units[0].Unit)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(f.release)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
}

// A server that went away between two calls (a core restarted by init) is dialled anew.
func TestUnaryServerRestartBetweenCalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	_, stop := serve(t, path)
	c := dial(t, path)
	if _, err := show(c, "a.service"); err != nil {
		t.Fatal(err)
	}
	stop()
	if _, err := show(c, "a.service"); !errdefs.IsUnavailable(err) {
		t.Fatalf("call with no server: %v", err)
	}
	serve(t, path)
	if _, err := show(c, "a.service"); err != nil {
		t.Fatalf("call after the server came back: %v", err)
	}
}

func TestUnaryNothingListens(t *testing.T) {
	c := dial(t, filepath.Join(t.TempDir(), "none"))
	if _, err := show(c, "a.service"); !errdefs.IsUnavailable(err) {
		t.Fatalf("error %v, want unavailable", err)
	}
}

func TestUnaryContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	serve(t, path)
	c := dial(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.WaitJobs(ctx, &controlv1.WaitJobsRequest{}); !errors.Is(err, errdefs.ErrDeadlineExceeded) {
		t.Fatalf("past its deadline: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := c.WaitJobs(ctx, &controlv1.WaitJobsRequest{}); !errors.Is(err, errdefs.ErrCanceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, err := c.Show(ctx, &controlv1.ShowRequest{}); !errors.Is(err, errdefs.ErrCanceled) {
		t.Fatalf("made with a cancelled context: %v", err)
	}
	if _, err := show(c, "a.service"); err != nil {
		t.Fatalf("after cancelled calls: %v", err)
	}
}

// Streams, and calls with options the client does not read itself, go through grpc-go.
func TestStreamsAndOtherOptionsGoThroughGRPC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	serve(t, path)
	c := dial(t, path)
	s, err := c.Logs(context.Background(), &controlv1.LogsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		e, err := s.Recv()
		if err != nil || e.Text != fmt.Sprint("line ", i) {
			t.Fatalf("entry %d: %v %v", i, e, err)
		}
	}
	if c.conn.cc == nil {
		t.Fatal("a stream did not go through grpc-go")
	}
	if _, err := c.Show(context.Background(), &controlv1.ShowRequest{Units: []string{"missing.service"}}, grpc.WaitForReady(false)); !errdefs.IsNotFound(err) {
		t.Fatalf("through grpc-go: %v", err)
	}
	big := &controlv1.ShowRequest{Units: []string{strings.Repeat("x", maxRequest)}}
	if _, err := c.Show(context.Background(), big); err != nil {
		t.Fatalf("a request larger than the server's first window: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{0, "1n"}, {time.Microsecond, "1000n"}, {10 * time.Minute, "600000m"}, {time.Hour, "3600000m"}, {1000 * time.Hour, "3600000S"}} {
		if got := timeout(c.d); got != c.want {
			t.Errorf("timeout(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// FuzzReadAnswer feeds readAnswer whatever a server might send after the request: it returns (an answer or an
// error) and never panics.
func FuzzReadAnswer(f *testing.F) {
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	fr.WriteSettings()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true})
	msg, _ := proto.Marshal(&controlv1.ShowResponse{Units: []*controlv1.UnitProperties{{Unit: "a.service"}}})
	fr.WriteData(1, false, append([]byte{0, 0, 0, 0, byte(len(msg))}, msg...))
	hb.Reset()
	enc.WriteField(hpack.HeaderField{Name: "grpc-status", Value: "0"})
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true, EndStream: true})
	f.Add(b.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := newH2conn(discard{}, bytes.NewReader(in))
		c.stream = 1
		c.readAnswer(&controlv1.ShowResponse{})
	})
}

// discard is a connection whose writes (readAnswer's acknowledgements) go nowhere.
type discard struct{ net.Conn }

func (discard) Write(b []byte) (int, error) { return len(b), nil }
