package sdk

import (
	"context"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/sysmaster/sysmaster/pkg/cpuprofile"
	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// ProtocolVersion is the version of the plugin wire contract this SDK speaks, negotiated in go-plugin's handshake.
// It changes only when the contract breaks; additions keep it.
const ProtocolVersion = 1

// PluginName is the name under which the unit-type service is dispensed.
const PluginName = "unittype"

// Handshake is the go-plugin handshake shared by host and plugins. The cookie is not a secret: it only stops a
// plugin binary started by hand from waiting for a host that is not there.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "SYSMASTER_PLUGIN",
	MagicCookieValue: "unit-type-plugin",
}

// ServeOption changes how Serve runs.
type ServeOption func(*serveConfig)

type serveConfig struct {
	protocol int
}

// WithProtocolVersion makes Serve announce another protocol version than this SDK's; a host refuses the plugin
// unless it speaks that version too. It exists for compatibility tests.
func WithProtocolVersion(v int) ServeOption { return func(c *serveConfig) { c.protocol = v } }

// pluginQuiet is how long a plugin goes without a call before it gives its free memory back: longer than the
// gaps between the batches of one burst (a start of 500 units calls every few milliseconds), short enough that
// the memory of a burst is not held while the system is otherwise busy (issue 17: the PSS after a burst).
const pluginQuiet = 500 * time.Millisecond

// Serve runs the plugin until the host closes it. It never returns to a plugin started by the host; started by
// hand it prints a note and exits 1.
func Serve(t UnitType, opts ...ServeOption) {
	cfg := serveConfig{protocol: ProtocolVersion}
	for _, o := range opts {
		o(&cfg)
	}
	hs := Handshake
	hs.ProtocolVersion = uint(cfg.protocol)
	// Memory a large batch grew (parsing 1,000 unit files) goes back to the kernel once the host stops calling.
	// A plugin keeps nothing between calls (the host sends config and state with each), so what its heap grew
	// to is garbage as soon as a burst's calls stop: it waits less than the core (pluginQuiet).
	trim := memtrim.New(pluginQuiet)
	touch := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		defer trim.Touch()
		return handler(ctx, req)
	}
	stopProfile := cpuprofile.Start()
	defer stopProfile()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  hs,
		VersionedPlugins: map[int]plugin.PluginSet{cfg.protocol: {PluginName: &GRPCPlugin{Impl: t}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return plugin.DefaultGRPCServer(append(opts, grpc.ChainUnaryInterceptor(touch)))
		},
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: t.Describe().Type, Output: os.Stderr, Level: hclog.Warn, JSONFormat: true,
		}),
	})
}
