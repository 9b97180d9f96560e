package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// unaryConn carries the unary calls of the control API (every call but the streams) over HTTP/2 connections it
// writes and reads itself, as gRPC's wire protocol has them, and hands streams to a grpc.ClientConn made on
// their first use. A client such as sctl makes one or two calls in its life: grpc-go's client would start its
// resolver, balancer and transport goroutines and wait for the server's settings before it sent the request;
// here the connection's preface, the request's headers and its message leave in one write right after connect,
// and the call is over when the answer's trailers have been read. The core's side is the same gRPC server.
//
// One connection is kept between calls and used again when the server has not closed it; a call made while
// another is in flight dials a connection of its own, so a long call (WaitJobs) never holds up another.
type unaryConn struct {
	path string
	// streams dials the grpc.ClientConn that carries streaming calls and calls with options other than
	// grpc.Header and grpc.Trailer.
	streams func() (*grpc.ClientConn, error)

	mu     sync.Mutex
	idle   *h2conn
	cc     *grpc.ClientConn
	closed bool // by Close: a call that ends afterwards closes its connection
}

// Limits of one call.
const (
	// maxResponse bounds an answer's message: sctl reads whole lists (list-units of 10,000 units is ≈ 2 MB).
	maxResponse = 64 << 20
	// window is the flow-control window the connection opens to the server at its start, for the connection and
	// every stream; answers are read as they come, so the server never needs to wait for more. A connection that
	// has received half of it is not used again.
	window = 1 << 30
	// maxRequest is the largest message sent here (with its 5-byte prefix): the server's connection window is
	// 65,535 bytes, of which grpc-go may hold up to a quarter unacknowledged after the earlier calls of a kept
	// connection. Larger requests go through grpc-go, which waits for the server's window updates.
	maxRequest = 65535 - 65535/4 - 5
)

// Invoke makes one unary call.
func (u *unaryConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	req, ok := args.(proto.Message)
	resp, ok2 := reply.(proto.Message)
	var header, trailer *metadata.MD
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.HeaderCallOption:
			header = o.HeaderAddr
		case grpc.TrailerCallOption:
			trailer = o.TrailerAddr
		case grpc.StaticMethodCallOption: // the generated code's mark of a method of the service
		default:
			ok = false
		}
	}
	body, err := proto.Marshal(req)
	if !ok || !ok2 || err != nil || len(body) > maxRequest {
		cc, err := u.grpcConn()
		if err != nil {
			return err
		}
		return cc.Invoke(ctx, method, args, reply, opts...)
	}
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	c := u.take()
	if c == nil {
		if c, err = dialH2(ctx, u.path); err != nil {
			if ctx.Err() != nil {
				return status.FromContextError(ctx.Err()).Err()
			}
			return err
		}
	}
	// Cancelling the call closes its connection: the server sees its stream end, as with grpc-go.
	if d, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	hd, tr, err := c.call(ctx, method, body, resp)
	canceled := !stop()
	if header != nil {
		*header = hd
	}
	if trailer != nil {
		*trailer = tr
	}
	if err != nil || canceled || c.received > window/2 {
		c.nc.Close()
		if err != nil && ctx.Err() != nil {
			return status.FromContextError(ctx.Err()).Err()
		}
		if d, ok := ctx.Deadline(); err != nil && ok && !time.Now().Before(d) {
			return status.FromContextError(context.DeadlineExceeded).Err()
		}
		return err
	}
	c.nc.SetDeadline(time.Time{})
	u.put(c)
	return nil
}

// NewStream starts a streaming call on the grpc.ClientConn.
func (u *unaryConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cc, err := u.grpcConn()
	if err != nil {
		return nil, err
	}
	return cc.NewStream(ctx, desc, method, opts...)
}

func (u *unaryConn) grpcConn() (*grpc.ClientConn, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil, status.Error(codes.Canceled, "the client is closed")
	}
	if u.cc == nil {
		cc, err := u.streams()
		if err != nil {
			return nil, err
		}
		u.cc = cc
	}
	return u.cc, nil
}

// take returns the idle connection when the server has not closed it or sent anything since the last call (a
// GOAWAY, a ping), and nil otherwise.
func (u *unaryConn) take() *h2conn {
	u.mu.Lock()
	c := u.idle
	u.idle = nil
	u.mu.Unlock()
	if c != nil && !c.quiet() {
		c.nc.Close()
		return nil
	}
	return c
}

// put keeps c for the next call, or closes it when another connection is kept already.
func (u *unaryConn) put(c *h2conn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.idle == nil && !u.closed {
		u.idle = c
		return
	}
	c.nc.Close()
}

// Close closes the kept connection and the grpc.ClientConn.
func (u *unaryConn) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	if u.idle != nil {
		u.idle.nc.Close()
		u.idle = nil
	}
	if u.cc != nil {
		return u.cc.Close()
	}
	return nil
}

// h2conn is one HTTP/2 connection to the server, used by one call at a time.
type h2conn struct {
	nc       net.Conn
	out      bytes.Buffer // frames written by fr, sent by flush
	fr       *http2.Framer
	enc      *hpack.Encoder // the request headers' encoder; its table lives as long as the connection
	hbuf     bytes.Buffer
	stream   uint32 // the last stream's id
	received int    // bytes of DATA received, against the window opened at the start
}

// dialH2 connects to the socket at path and queues the connection's preface, its settings and the window.
func dialH2(ctx context.Context, path string) (*h2conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "connection error: %v", err)
	}
	c := newH2conn(nc, nc)
	c.out.WriteString(http2.ClientPreface)
	c.fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush}, http2.Setting{ID: http2.SettingInitialWindowSize, Val: window})
	c.fr.WriteWindowUpdate(0, window-65535)
	return c, nil
}

func newH2conn(nc net.Conn, r io.Reader) *h2conn {
	c := &h2conn{nc: nc}
	c.fr = http2.NewFramer(&c.out, bufio.NewReader(r))
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.enc = hpack.NewEncoder(&c.hbuf)
	return c
}

func (c *h2conn) flush() error {
	_, err := c.nc.Write(c.out.Bytes())
	c.out.Reset()
	return err
}

// quiet reports whether the connection is open and nothing waits to be read on it.
func (c *h2conn) quiet() bool {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	quiet := false
	rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		quiet = err == syscall.EAGAIN
		return true
	})
	return quiet
}

// call sends one request on a new stream and reads its answer into resp. It returns the answer's header and
// trailer metadata, and the call's status as an error.
func (c *h2conn) call(ctx context.Context, method string, body []byte, resp proto.Message) (metadata.MD, metadata.MD, error) {
	c.stream += 2
	if c.stream == 2 {
		c.stream = 1
	}
	c.hbuf.Reset()
	fields := [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", method}, {":authority", "localhost"},
		{"content-type", "application/grpc"}, {"te", "trailers"}}
	if d, ok := ctx.Deadline(); ok {
		fields = append(fields, [2]string{"grpc-timeout", timeout(time.Until(d))})
	}
	for _, f := range fields {
		c.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: c.stream, BlockFragment: c.hbuf.Bytes(), EndHeaders: true})
	msg := make([]byte, 5+len(body))
	binary.BigEndian.PutUint32(msg[1:], uint32(len(body)))
	copy(msg[5:], body)
	for len(msg) > 16384 { // the server's largest frame until its settings say otherwise
		c.fr.WriteData(c.stream, false, msg[:16384])
		msg = msg[16384:]
	}
	c.fr.WriteData(c.stream, true, msg)
	if err := c.flush(); err != nil {
		return nil, nil, status.Errorf(codes.Unavailable, "connection error: %v", err)
	}
	return c.readAnswer(resp)
}

// readAnswer reads frames until the current stream's trailers and decodes its message into resp.
func (c *h2conn) readAnswer(resp proto.Message) (metadata.MD, metadata.MD, error) {
	var header, trailer metadata.MD
	var data []byte
	headers := false
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return header, trailer, status.Errorf(codes.Unavailable, "connection error: %v", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				c.fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				c.fr.WritePing(true, f.Data)
			}
		case *http2.GoAwayFrame:
			if f.LastStreamID < c.stream {
				return header, trailer, status.Errorf(codes.Unavailable, "the server closed the connection (%v)", f.ErrCode)
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == c.stream {
				return header, trailer, status.Errorf(rstCode(f.ErrCode), "stream reset by the server: %v", f.ErrCode)
			}
		case *http2.DataFrame:
			if f.StreamID != c.stream {
				continue
			}
			c.received += int(f.Length)
			if len(data)+len(f.Data()) > maxResponse+5 {
				return header, trailer, status.Errorf(codes.ResourceExhausted, "answer larger than %d bytes", maxResponse)
			}
			data = append(data, f.Data()...)
		case *http2.MetaHeadersFrame:
			if f.StreamID != c.stream {
				continue
			}
			if !headers {
				headers = true
				if st := f.PseudoValue("status"); st != "200" {
					return header, trailer, status.Errorf(httpCode(st), "unexpected HTTP status %q", st)
				}
				header = toMD(f.RegularFields())
				if !f.StreamEnded() {
					continue
				}
				// A trailers-only answer: the headers carry the status.
				trailer = header
			} else {
				trailer = toMD(f.RegularFields())
			}
			if !f.StreamEnded() {
				return header, trailer, status.Error(codes.Internal, "trailers that do not end the stream")
			}
			if err := statusOf(trailer); err != nil {
				return header, trailer, err
			}
			return header, trailer, decode(data, resp)
		}
		if err := c.flush(); err != nil {
			return header, trailer, status.Errorf(codes.Unavailable, "connection error: %v", err)
		}
	}
}

// decode reads the one length-prefixed message of a unary answer.
func decode(data []byte, resp proto.Message) error {
	if len(data) < 5 {
		return status.Error(codes.Internal, "an answer without its message")
	}
	if data[0] != 0 {
		return status.Error(codes.Internal, "a compressed answer, which was not asked for")
	}
	if n := binary.BigEndian.Uint32(data[1:5]); uint64(n) != uint64(len(data)-5) {
		return status.Errorf(codes.Internal, "an answer of %d bytes announced as %d", len(data)-5, n)
	}
	if err := proto.Unmarshal(data[5:], resp); err != nil {
		return status.Errorf(codes.Internal, "decoding the answer: %v", err)
	}
	return nil
}

// statusOf is the call's status from its trailers, nil for OK.
func statusOf(tr metadata.MD) error {
	v := tr.Get("grpc-status")
	if len(v) == 0 {
		return status.Error(codes.Internal, "trailers without grpc-status")
	}
	n, err := strconv.ParseUint(v[0], 10, 32)
	if err != nil {
		return status.Errorf(codes.Internal, "trailers with grpc-status %q", v[0])
	}
	if n == 0 {
		return nil
	}
	msg := ""
	if m := tr.Get("grpc-message"); len(m) > 0 {
		msg = unescape(m[0])
	}
	return status.Error(codes.Code(n), msg)
}

// toMD is the metadata of header fields: names as sent (lower case), "-bin" values base64-decoded.
func toMD(fields []hpack.HeaderField) metadata.MD {
	md := metadata.MD{}
	for _, f := range fields {
		v := f.Value
		if strings.HasSuffix(f.Name, "-bin") {
			if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "=")); err == nil {
				v = string(b)
			}
		}
		md[f.Name] = append(md[f.Name], v)
	}
	return md
}

// unescape undoes gRPC's percent-encoding of grpc-message; a malformed escape is kept as it is.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// timeout is grpc-timeout's value for d: at most 8 digits and a unit.
func timeout(d time.Duration) string {
	if d <= 0 {
		return "1n"
	}
	for _, u := range []struct {
		unit string
		d    time.Duration
	}{{"n", time.Nanosecond}, {"u", time.Microsecond}, {"m", time.Millisecond}, {"S", time.Second}, {"M", time.Minute}, {"H", time.Hour}} {
		if n := (d + u.d - 1) / u.d; n < 1e8 {
			return fmt.Sprintf("%d%s", n, u.unit)
		}
	}
	return "99999999H"
}

// rstCode is the status of a stream the server reset, as grpc-go gives it.
func rstCode(c http2.ErrCode) codes.Code {
	switch c {
	case http2.ErrCodeRefusedStream:
		return codes.Unavailable
	case http2.ErrCodeCancel:
		return codes.Canceled
	case http2.ErrCodeEnhanceYourCalm:
		return codes.ResourceExhausted
	case http2.ErrCodeInadequateSecurity:
		return codes.PermissionDenied
	}
	return codes.Internal
}

// httpCode is the status of an answer whose HTTP status is not 200, as gRPC maps it.
func httpCode(st string) codes.Code {
	switch st {
	case "400":
		return codes.Internal
	case "401":
		return codes.Unauthenticated
	case "403":
		return codes.PermissionDenied
	case "404":
		return codes.Unimplemented
	case "429", "502", "503", "504":
		return codes.Unavailable
	}
	return codes.Unknown
}
