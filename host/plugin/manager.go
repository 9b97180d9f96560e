package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// HostVersion is told to plugins in Describe.
const HostVersion = "0.1.0"

// callTimeout bounds one call into a plugin; a plugin that does not answer in time is killed and counts as dead.
const callTimeout = 30 * time.Second

// Manager starts, calls and stops the plugins. Its methods may be called from any goroutine.
type Manager struct {
	reaper    *reaper.Reaper
	log       *slog.Logger
	socketDir string
	// OnExit, when set, is called (from the reaper, briefly) when a plugin process ends.
	onExit func(typ string, e reaper.Exit)

	mu      sync.Mutex
	cfg     config.Config
	plugins map[string]*Plugin
	digests digestCache
}

// Plugin is one running (or last run) plugin process.
type Plugin struct {
	Type    string
	Path    string
	SHA256  string
	Desc    *pb.DescribeResponse
	Pid     int
	Started time.Time

	client *goplugin.Client
	uc     *sdk.Client
	runner *procRunner
}

// NewManager returns a manager that launches plugins as cfg says. socketDir holds the plugins' gRPC sockets.
func NewManager(r *reaper.Reaper, cfg config.Config, log *slog.Logger, socketDir string, onExit func(string, reaper.Exit)) *Manager {
	return &Manager{reaper: r, cfg: cfg, log: log, socketDir: socketDir, onExit: onExit, plugins: map[string]*Plugin{}}
}

// SetConfig replaces the configuration (daemon-reload); running plugins keep running.
func (m *Manager) SetConfig(cfg config.Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg = cfg
}

// Known reports whether some binary is configured or present for typ.
func (m *Manager) Known(typ string) bool {
	m.mu.Lock()
	cfg := m.cfg
	m.mu.Unlock()
	_, err := os.Stat(cfg.PluginPath(typ))
	return err == nil
}

// Get returns the running plugin for typ, launching it if needed.
func (m *Manager) Get(typ string) (*Plugin, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.plugins[typ]; p != nil && !p.client.Exited() {
		return p, nil
	}
	p, err := m.launch(typ)
	if err != nil {
		return nil, err
	}
	m.plugins[typ] = p
	return p, nil
}

// Loaded returns the running plugin for typ or nil, without launching one.
func (m *Manager) Loaded(typ string) *Plugin {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.plugins[typ]; p != nil && !p.client.Exited() {
		return p
	}
	return nil
}

func (m *Manager) launch(typ string) (*Plugin, error) {
	path := m.cfg.PluginPath(typ)
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", typ, err)
	}
	if pin := m.cfg.Plugins[typ].SHA256; pin != "" && pin != sum {
		return nil, fmt.Errorf("plugin %s: %s has sha256 %s but system.conf pins %s; refusing to launch it", typ, path, sum, pin)
	}
	if err := os.MkdirAll(m.socketDir, 0o700); err != nil {
		return nil, fmt.Errorf("plugin %s: %w", typ, err)
	}
	p := &Plugin{Type: typ, Path: path, SHA256: sum}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.PluginSets(),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		SkipHostEnv:      true,
		StartTimeout:     10 * time.Second,
		UnixSocketConfig: &goplugin.UnixSocketConfig{TempDir: m.socketDir},
		// go-plugin's own chatter is not wanted (the core logs plugin starts and exits itself); what the plugin
		// writes on stderr, a panic above all, goes to the console unchanged.
		Logger: hclog.NewNullLogger(),
		Stderr: os.Stderr,
		RunnerFunc: func(_ hclog.Logger, cmd *exec.Cmd, _ string) (runner.Runner, error) {
			cmd.Path, cmd.Args = path, []string{path}
			cmd.Env = append(cmd.Env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
			p.runner = &procRunner{cmd: cmd, reaper: m.reaper, onExit: func(e reaper.Exit) {
				if m.onExit != nil {
					m.onExit(typ, e)
				}
			}}
			return p.runner, nil
		},
	})
	uc, err := sdk.Dispense(client)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s (%s): %s", typ, path, handshakeError(err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	desc, err := uc.Describe(ctx, HostVersion)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s (%s): describe: %w", typ, path, err)
	}
	if desc.Type != typ {
		client.Kill()
		return nil, fmt.Errorf("plugin %s (%s) says it serves unit type %q; refusing it", typ, path, desc.Type)
	}
	p.client, p.uc, p.Desc, p.Pid, p.Started = client, uc, desc, p.runner.pid, time.Now()
	m.log.Info("plugin loaded", "type", typ, "path", path, "pid", p.Pid, "version", desc.Version)
	return p, nil
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
	p, err := m.Get(typ)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	resp, err := p.uc.Parse(ctx, units)
	if err != nil {
		m.dead(p, err)
		return nil, fmt.Errorf("plugin %s: parse: %w", typ, err)
	}
	return resp, nil
}

// Handle delivers one batch to typ's plugin.
func (m *Manager) Handle(typ string, items []*pb.Item) ([]*pb.Result, error) {
	p, err := m.Get(typ)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	res, err := p.uc.Handle(ctx, items)
	if err != nil {
		m.dead(p, err)
		return nil, fmt.Errorf("plugin %s: %w", typ, err)
	}
	return res, nil
}

// dead kills a plugin whose call failed, so that the next call starts a fresh one.
func (m *Manager) dead(p *Plugin, err error) {
	m.log.Warn("plugin call failed, stopping the plugin", "type", p.Type, "pid", p.Pid, "error", err)
	p.client.Kill()
}

// Describe returns what typ's plugin says about itself, launching it if needed.
func (m *Manager) Describe(typ string) (*pb.DescribeResponse, error) {
	p, err := m.Get(typ)
	if err != nil {
		return nil, err
	}
	return p.Desc, nil
}

// Info is one row of `sctl list-plugins`.
type Info struct {
	Type, Path, SHA256, Pinned, Version, Error string
	Pid                                        int
}

// List describes every configured or present plugin. The digests it shows come from a cache keyed by the file's
// identity (device, inode, size, modification time) and are computed outside the lock: hashing every binary on
// each `sctl list-plugins` took seconds on a slow machine. Launches still hash the file itself every time.
func (m *Manager) List() []Info {
	m.mu.Lock()
	var out []Info
	for _, typ := range m.cfg.PluginTypes() {
		in := Info{Type: typ, Path: m.cfg.PluginPath(typ), Pinned: m.cfg.Plugins[typ].SHA256}
		if p := m.plugins[typ]; p != nil && !p.client.Exited() {
			in.Pid, in.Version = p.Pid, p.Desc.Version
		}
		out = append(out, in)
	}
	m.mu.Unlock()
	for i := range out {
		if sum, err := m.digests.get(out[i].Path); err == nil {
			out[i].SHA256 = sum
		} else {
			out[i].Error = err.Error()
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// digestCache remembers the sha256 of files by their identity.
type digestCache struct {
	mu   sync.Mutex
	sums map[fileID]string
}

type fileID struct {
	path           string
	dev, ino, size uint64
	mtime          int64
}

func (c *digestCache) get(path string) (string, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fileSHA256(path) // says why, in the same words as a launch
	}
	id := fileID{path, uint64(st.Dev), st.Ino, uint64(st.Size), st.Mtim.Nano()}
	c.mu.Lock()
	sum, ok := c.sums[id]
	c.mu.Unlock()
	if ok {
		return sum, nil
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if c.sums == nil {
		c.sums = map[fileID]string{}
	}
	c.sums[id] = sum
	c.mu.Unlock()
	return sum, nil
}

// StopAll stops every plugin (at shutdown).
func (m *Manager) StopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.plugins {
		p.client.Kill()
	}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no plugin binary at %s", path)
		}
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
