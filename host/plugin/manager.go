package plugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/cpuprofile"
	"github.com/sysmaster/sysmaster/pkg/memtrim"
	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// HostVersion is told to plugins in Describe.
const HostVersion = "0.1.0"

// TypeEnv names, in a plugin's environment, the unit type the core launches it for. A binary that serves several
// types (sysmaster's own image, whose built-in plugins are links to it) picks the one to serve by it, whatever
// the path it was launched from; a plugin of one type has no use for it.
const TypeEnv = "SYSMASTER_PLUGIN_TYPE"

// MaxResponseBytes bounds one answer of a plugin (go-plugin would accept 2 GiB). A plugin that answers more is
// treated as one whose call failed: it is killed, the crash is counted, and its events are held and delivered
// to the next plugin. 32 MiB is far above a batch's answer (10,000 parsed units take a few MiB).
const MaxResponseBytes = 32 << 20

// startTimeout bounds a launch: the process start and go-plugin's handshake.
const startTimeout = 10 * time.Second

// ErrBackoff marks the errors of calls refused because the type's plugin crashed too often and is backed off.
var ErrBackoff = errors.New("plugin backed off")

// Manager starts, calls, swaps and stops the plugins. Its methods may be called from any goroutine. Calls of one
// type go to its plugin one at a time (the SDK promises a plugin that its UnitType is called from one goroutine
// at a time), each bounded by the configured call timeout (Plugins.CallTimeoutSec): a plugin that does not
// answer in time is killed, and the call fails as if it had crashed.
type Manager struct {
	reaper    *reaper.Reaper
	log       *slog.Logger
	socketDir string
	// onExit, when set, is called (from the reaper, briefly) when a plugin process ends.
	onExit func(typ string, e reaper.Exit)
	// Backoff is the crash policy; set it before the first call.
	Backoff Backoff

	mu      sync.Mutex
	cfg     config.Config
	types   map[string]*typeState
	digests digestCache
	idle    idleTimer
}

// typeState is what the manager keeps about one unit type across the plugin processes that serve it.
type typeState struct {
	cur      *Plugin              // the running plugin, nil when none
	override string               // binary set by a swap with an explicit path; "" means the configured one
	desc     *pb.DescribeResponse // from the last launch, for Describe while backed off
	crashes  crashLog
	crashed  bool // the last plugin crashed: the next launch is a restart
	restarts int
	lastErr  string    // why the last plugin crashed or the last launch failed, "" after a good launch
	lastUse  time.Time // the last call or launch, for the idle timeout
	idle     bool      // stopped for being idle, not launched since
	swap     Swap

	// launchMu serializes the type's launches, which happen without mu held: a handshake takes milliseconds,
	// and neither List nor another type's calls must wait for it.
	launchMu sync.Mutex
	// gate holds a token while a call of the type is in progress (Handle, Parse): one call at a time.
	gate chan struct{}
}

// Swap records a live swap.
type Swap struct {
	Time        time.Time
	FromVersion string
	FromPid     int
}

// Plugin is one plugin process.
type Plugin struct {
	Type    string
	Path    string
	Desc    *pb.DescribeResponse
	Pid     int
	Started time.Time

	binary  *binary
	client  *goplugin.Client
	uc      *sdk.Client
	runner  *procRunner
	timeout time.Duration // the call timeout when it was launched

	// Guarded by Manager.mu. A live plugin serves its type (launched by Get or installed by a swap); one that is
	// gone is never handed out again; one that is stopping was asked to end (idle, swapped, shutdown). Only the
	// end of a live plugin that was not stopping is a crash.
	live, gone, stopping bool
}

// Digest is the sha256 of the binary p runs, in hex; "" once p has ended (unless it was asked for before).
func (p *Plugin) Digest() (string, error) { return p.binary.digest() }

// NewManager returns a manager that launches plugins as cfg says. socketDir holds the plugins' gRPC sockets.
func NewManager(r *reaper.Reaper, cfg config.Config, log *slog.Logger, socketDir string, onExit func(string, reaper.Exit)) *Manager {
	return &Manager{reaper: r, cfg: cfg, log: log, socketDir: socketDir, onExit: onExit, Backoff: DefaultBackoff,
		types: map[string]*typeState{}}
}

// SetConfig replaces the configuration (daemon-reload); running plugins keep running.
func (m *Manager) SetConfig(cfg config.Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg = cfg
	m.armIdleLocked(time.Now())
}

// state returns typ's record, creating it. mu must be held.
func (m *Manager) state(typ string) *typeState {
	ts := m.types[typ]
	if ts == nil {
		ts = &typeState{gate: make(chan struct{}, 1)}
		m.types[typ] = ts
	}
	return ts
}

// pathLocked is the binary that serves typ: the one a swap named, else the configured one.
func (m *Manager) pathLocked(typ string) string {
	if ts := m.types[typ]; ts != nil && ts.override != "" {
		return ts.override
	}
	return m.cfg.PluginPath(typ)
}

// Known reports whether some binary is configured or present for typ.
func (m *Manager) Known(typ string) bool {
	m.mu.Lock()
	path := m.pathLocked(typ)
	m.mu.Unlock()
	_, err := os.Stat(path)
	return err == nil
}

// runningLocked returns typ's plugin if it runs. A plugin whose process ended is written off here if its exit
// has not been noted yet.
func (m *Manager) runningLocked(typ string) *Plugin {
	ts := m.types[typ]
	if ts == nil || ts.cur == nil {
		return nil
	}
	if p := ts.cur; p.gone {
		ts.cur = nil
		return nil
	} else if p.client.Exited() {
		// The reaper has the exit (go-plugin saw it through the runner); its note may still be on its way.
		m.endLocked(p, describeExit(p.runner.exit), time.Now())
		return nil
	}
	return ts.cur
}

// Get returns the running plugin for typ, launching it if needed. While the type is backed off it fails with
// an error that wraps ErrBackoff.
func (m *Manager) Get(typ string) (*Plugin, error) {
	m.mu.Lock()
	p := m.runningLocked(typ)
	m.mu.Unlock()
	if p != nil {
		return p, nil
	}
	m.mu.Lock()
	ts := m.state(typ)
	m.mu.Unlock()
	ts.launchMu.Lock()
	defer ts.launchMu.Unlock()
	m.mu.Lock()
	if p := m.runningLocked(typ); p != nil {
		m.mu.Unlock()
		return p, nil
	}
	now := time.Now()
	if ts.crashes.backedOff(now) {
		err := m.backoffErrLocked(typ, ts, now)
		m.mu.Unlock()
		return nil, err
	}
	path, pin, timeout := m.pathLocked(typ), m.cfg.Plugins[typ].SHA256, m.callTimeoutLocked()
	m.mu.Unlock()

	p, err := m.launch(typ, path, pin, timeout)
	m.mu.Lock()
	defer m.mu.Unlock()
	now = time.Now()
	if err == nil && p.gone {
		err = fmt.Errorf("plugin %s (%s): ended right after its launch", typ, path)
	}
	if err != nil {
		m.crashLocked(typ, ts, err.Error(), now)
		return nil, err
	}
	if cur := m.runningLocked(typ); cur != nil {
		// A swap installed a plugin while this one launched: it wins.
		p.stopping = true
		m.endLocked(p, "", now)
		go p.client.Kill()
		return cur, nil
	}
	if ts.crashed {
		ts.restarts++
		ts.crashed = false
	}
	p.live = true
	ts.cur, ts.desc, ts.lastErr, ts.lastUse, ts.idle = p, p.Desc, "", now, false
	m.armIdleLocked(now)
	return p, nil
}

func (m *Manager) backoffErrLocked(typ string, ts *typeState, now time.Time) error {
	return fmt.Errorf("plugin %s: %w (%s): %s", typ, ErrBackoff, ts.crashes.describe(now), ts.lastErr)
}

// crashLocked counts a crash of typ's plugin and starts a backoff when the policy says so.
func (m *Manager) crashLocked(typ string, ts *typeState, reason string, now time.Time) {
	ts.lastErr, ts.crashed = reason, true
	if d, ok := ts.crashes.record(m.Backoff, now); ok {
		m.log.Error("plugin keeps crashing; backing off", "type", typ, "crashes", ts.crashes.burst,
			"within", roundSpan(ts.crashes.span), "delay", d, "last", reason)
	}
}

// endLocked writes p off: it is never handed out again, and its end counts as a crash unless it was asked to stop.
func (m *Manager) endLocked(p *Plugin, reason string, now time.Time) {
	ts := m.state(p.Type)
	if ts.cur == p {
		ts.cur = nil
	}
	if p.gone {
		return
	}
	p.gone = true
	p.binary.release()
	if p.live && !p.stopping {
		m.crashLocked(p.Type, ts, reason, now)
	}
}

// Loaded returns the running plugin for typ or nil, without launching one.
func (m *Manager) Loaded(typ string) *Plugin {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runningLocked(typ)
}

// Launch starts typ's plugin unless it runs (Get without the plugin).
func (m *Manager) Launch(typ string) error {
	_, err := m.Get(typ)
	return err
}

// Passive reports whether typ's running plugin described its type as passive (holding no processes: a
// target); false when none runs.
func (m *Manager) Passive(typ string) bool {
	p := m.Loaded(typ)
	return p != nil && p.Desc.GetPassive()
}

// Ready reports whether a call for typ may launch or reach its plugin now; when not (the type is backed off),
// it says when that will be.
func (m *Manager) Ready(typ string) (bool, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.types[typ]
	if ts == nil || !ts.crashes.backedOff(time.Now()) {
		return true, time.Time{}
	}
	return false, ts.crashes.until
}

// BackedOff returns the reason typ's plugin is backed off, or "".
func (m *Manager) BackedOff(typ string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if ts := m.types[typ]; ts != nil && ts.crashes.backedOff(now) {
		return m.backoffErrLocked(typ, ts, now).Error()
	}
	return ""
}

// callTimeoutLocked is the bound of one call.
func (m *Manager) callTimeoutLocked() time.Duration {
	if m.cfg.PluginCallTimeout <= 0 {
		return config.DefaultPluginCallTimeout
	}
	return m.cfg.PluginCallTimeout
}

// launch starts the binary at path for typ, checked against pin, and returns it after the handshake and
// Describe (bounded by timeout). It takes no lock.
func (m *Manager) launch(typ, path, pin string, timeout time.Duration) (*Plugin, error) {
	bin, err := openBinary(path, &m.digests)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", typ, err)
	}
	if pin != "" {
		sum, err := bin.verified()
		if err != nil {
			return nil, fmt.Errorf("plugin %s: %w", typ, err)
		}
		if pin != sum {
			return nil, fmt.Errorf("plugin %s: %s has sha256 %s but the configuration pins %s; refusing to launch it", typ, path, sum, pin)
		}
	}
	p := &Plugin{Type: typ, Path: path, binary: bin, timeout: timeout}
	if err := os.MkdirAll(m.socketDir, 0o700); err != nil {
		bin.release()
		return nil, fmt.Errorf("plugin %s: %w", typ, err)
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.PluginSets(),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		SkipHostEnv:      true,
		StartTimeout:     startTimeout,
		// The answer's bound; go-plugin's own (2 GiB) comes first, so this one wins.
		GRPCDialOptions:  []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxResponseBytes))},
		UnixSocketConfig: &goplugin.UnixSocketConfig{TempDir: m.socketDir},
		// go-plugin's own chatter is not wanted (the core logs plugin starts and exits itself); what the plugin
		// writes on stderr, a panic above all, goes to the console unchanged.
		Logger: hclog.NewNullLogger(),
		Stderr: os.Stderr,
		RunnerFunc: func(_ hclog.Logger, cmd *exec.Cmd, _ string) (runner.Runner, error) {
			cmd.Path, cmd.Args = path, []string{path}
			cmd.Env = append(cmd.Env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", TypeEnv+"="+typ)
			// The system bus's address, when the core was given one, for plugins that ask the bus (the service
			// plugin's Type=dbus watch); the default is /run/dbus/system_bus_socket.
			if a, ok := os.LookupEnv("DBUS_SYSTEM_BUS_ADDRESS"); ok {
				cmd.Env = append(cmd.Env, "DBUS_SYSTEM_BUS_ADDRESS="+a)
			}
			// Where each process writes its heap profile at rest, when the core was told to (pkg/memtrim).
			if d, ok := os.LookupEnv(memtrim.ProfileEnv); ok {
				cmd.Env = append(cmd.Env, memtrim.ProfileEnv+"="+d)
			}
			// And its CPU profile up to its close (pkg/cpuprofile).
			if d, ok := os.LookupEnv(cpuprofile.Env); ok {
				cmd.Env = append(cmd.Env, cpuprofile.Env+"="+d)
			}
			p.runner = &procRunner{cmd: cmd, reaper: m.reaper, onExit: func(e reaper.Exit) {
				// Called with the reaper's lock held: the manager's lock is taken elsewhere, as launches hold it
				// around nothing that needs the reaper, but a goroutine keeps the two locks apart for good.
				go m.exited(p, e)
				if m.onExit != nil {
					m.onExit(typ, e)
				}
			}}
			return p.runner, nil
		},
	})
	uc, err := sdk.Dispense(client)
	if err != nil {
		m.abandon(p, client)
		return nil, fmt.Errorf("plugin %s (%s): %s", typ, path, handshakeError(err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	desc, err := uc.Describe(ctx, HostVersion)
	if err != nil {
		m.abandon(p, client)
		return nil, fmt.Errorf("plugin %s (%s): describe: %w", typ, path, err)
	}
	if desc.Type != typ {
		m.abandon(p, client)
		return nil, fmt.Errorf("plugin %s (%s) says it serves unit type %q; refusing it", typ, path, desc.Type)
	}
	p.client, p.uc, p.Desc, p.Pid, p.Started = client, uc, desc, p.runner.pid, time.Now()
	m.log.Info("plugin loaded", "type", typ, "path", path, "pid", p.Pid, "version", desc.Version)
	return p, nil
}

// abandon stops a plugin whose launch failed; the failure is counted by the caller, not by its exit.
func (m *Manager) abandon(p *Plugin, client *goplugin.Client) {
	m.mu.Lock()
	p.gone, p.stopping = true, true
	m.mu.Unlock()
	p.binary.release()
	client.Kill()
}

// exited notes the end of p's process.
func (m *Manager) exited(p *Plugin, e reaper.Exit) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endLocked(p, describeExit(e), e.Time)
}

// handshakeError rephrases go-plugin's handshake failures so that they name both protocol versions.
func handshakeError(err error) string {
	s := err.Error()
	if strings.Contains(strings.ToLower(s), "incompatible api version") {
		return fmt.Sprintf("protocol version mismatch: this host speaks protocol version %d; %s", sdk.ProtocolVersion, s)
	}
	return s
}

// Parse asks typ's plugin to parse a batch of units.
func (m *Manager) Parse(typ string, units []*pb.UnitFile) ([]*pb.Parsed, error) {
	var resp []*pb.Parsed
	err := m.call(typ, func(ctx context.Context, p *Plugin) (err error) {
		resp, err = p.uc.Parse(ctx, units)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plugin %s: parse: %w", typ, err)
	}
	return resp, nil
}

// Parse asks this plugin process to parse a batch of units (a swap asks the new plugin before installing it).
func (p *Plugin) Parse(units []*pb.UnitFile) ([]*pb.Parsed, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	resp, err := p.uc.Parse(ctx, units)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: parse: %w", p.Type, callError(err, p.timeout))
	}
	return resp, nil
}

// Handle delivers one batch to typ's plugin, launching it if needed.
func (m *Manager) Handle(typ string, items []*pb.Item) ([]*pb.Result, error) {
	var res []*pb.Result
	err := m.call(typ, func(ctx context.Context, p *Plugin) (err error) {
		res, err = p.uc.Handle(ctx, items)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", typ, err)
	}
	return res, nil
}

// call runs f with typ's plugin (launched if needed) and a context that ends after the call timeout, once the
// type's previous call has ended. A plugin whose call fails or times out is killed: the next call launches a
// fresh one. Waiting for the previous call is bounded too, by what that call may take at most (its launch and
// its call); it only fails if that call's plugin could not be killed.
func (m *Manager) call(typ string, f func(context.Context, *Plugin) error) error {
	m.mu.Lock()
	ts, timeout := m.state(typ), m.callTimeoutLocked()
	m.mu.Unlock()
	select {
	case ts.gate <- struct{}{}:
	default:
		wait := time.NewTimer(startTimeout + 2*timeout)
		select {
		case ts.gate <- struct{}{}:
			wait.Stop()
		case <-wait.C:
			return fmt.Errorf("the previous call of the type has not ended after %s", startTimeout+2*timeout)
		}
	}
	defer func() { <-ts.gate }()
	p, err := m.Get(typ)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := f(ctx, p); err != nil {
		err = callError(err, timeout)
		m.dead(p, err)
		return err
	}
	m.served(p)
	return nil
}

// callError says in plain words that a call ran out of time or that its answer was too large.
func callError(err error, timeout time.Duration) error {
	switch status.Code(err) {
	case codes.DeadlineExceeded:
		return fmt.Errorf("no answer within %s (Plugins.CallTimeoutSec): %w", timeout, err)
	case codes.ResourceExhausted:
		return fmt.Errorf("answer larger than %d bytes: %w", MaxResponseBytes, err)
	}
	return err
}

// served notes a call p answered.
func (m *Manager) served(p *Plugin) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.state(p.Type)
	ts.lastUse = time.Now()
	ts.crashes.served(m.Backoff, ts.lastUse)
}

// dead kills a plugin whose call failed, so that the next call starts a fresh one; the failure counts as a crash.
func (m *Manager) dead(p *Plugin, err error) {
	m.log.Warn("plugin call failed, stopping the plugin", "type", p.Type, "pid", p.Pid, "error", err)
	m.mu.Lock()
	m.endLocked(p, err.Error(), time.Now())
	m.mu.Unlock()
	_ = p.runner.Kill(context.Background())
	go p.client.Kill()
}

// stop ends a plugin that was asked to go (idle, swapped out): go-plugin closes its connection, the plugin
// exits, and a plugin that does not within two seconds is killed. It does not wait.
func (m *Manager) stopLocked(p *Plugin) {
	p.stopping = true
	m.endLocked(p, "", time.Now())
	go p.client.Kill()
}

// Describe returns what typ's plugin says about itself, launching it if needed. While the type is backed off it
// answers from the last launch, so that units of the type can still be read.
func (m *Manager) Describe(typ string) (*pb.DescribeResponse, error) {
	m.mu.Lock()
	if ts := m.types[typ]; ts != nil && ts.desc != nil && ts.cur == nil && ts.crashes.backedOff(time.Now()) {
		d := ts.desc
		m.mu.Unlock()
		return d, nil
	}
	m.mu.Unlock()
	p, err := m.Get(typ)
	if err != nil {
		return nil, err
	}
	return p.Desc, nil
}

// Info is one row of `sctl list-plugins`.
type Info struct {
	Type, Path, Pinned, Version, Error string
	// SHA256 is the digest of the binary at Path now; RunningSHA256 that of the running plugin's binary.
	SHA256, RunningSHA256 string
	Pid                   int
	// State is loaded, not loaded, idle, failed or "backoff (…)".
	State    string
	Restarts int
	Swap     Swap
}

// List describes every configured or present plugin. The digests it shows come from a cache keyed by the file's
// identity (device, inode, size, modification time) and are computed outside the lock: hashing every binary on
// each `sctl list-plugins` took seconds on a slow machine. A pinned launch hashes the file itself every time; the
// running digest of an unpinned one is computed here, the first time it is asked for.
func (m *Manager) List() []Info {
	m.mu.Lock()
	now := time.Now()
	var out []Info
	types := m.cfg.PluginTypes()
	running := make([]*Plugin, len(types))
	for i, typ := range types {
		in := Info{Type: typ, Path: m.pathLocked(typ), Pinned: m.cfg.Plugins[typ].SHA256, State: "not loaded"}
		if ts := m.types[typ]; ts != nil {
			in.Restarts, in.Swap, in.Error, in.State = ts.restarts, ts.swap, ts.lastErr, m.stateLocked(typ, now)
			if p := ts.cur; p != nil {
				in.Pid, in.Version, running[i] = p.Pid, p.Desc.Version, p
			}
		}
		out = append(out, in)
	}
	m.mu.Unlock()
	for i := range out {
		if p := running[i]; p != nil {
			out[i].RunningSHA256, _ = p.Digest()
		}
		if sum, err := m.digests.get(out[i].Path); err == nil {
			out[i].SHA256 = sum
		} else if out[i].Error == "" {
			out[i].Error = err.Error()
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// State is typ's line in list-plugins' STATE column: loaded, not loaded, idle, failed or "backoff (…)".
func (m *Manager) State(typ string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stateLocked(typ, time.Now())
}

func (m *Manager) stateLocked(typ string, now time.Time) string {
	ts := m.types[typ]
	switch {
	case ts == nil:
		return "not loaded"
	case m.runningLocked(typ) != nil:
		return "loaded"
	case ts.crashes.backedOff(now):
		return "backoff (" + ts.crashes.describe(now) + ")"
	case ts.idle:
		return "idle"
	case ts.lastErr != "":
		return "failed"
	}
	return "not loaded"
}

// StopAll stops every plugin (at shutdown) and waits for them to end.
func (m *Manager) StopAll() {
	m.mu.Lock()
	m.idle.stop()
	var all []*Plugin
	for _, ts := range m.types {
		if p := ts.cur; p != nil {
			p.stopping = true
			m.endLocked(p, "", time.Now())
			all = append(all, p)
		}
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.client.Kill()
		}()
	}
	wg.Wait()
}
