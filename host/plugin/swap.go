package plugin

import (
	"fmt"
	"sort"
	"time"
)

// A live swap replaces the plugin serving a type by a new process, possibly of another binary, without a unit
// noticing: the host holds every unit's config and state bytes, so the new plugin simply gets the next batch.
// The caller launches the new plugin beside the running one (Prepare), may ask it to parse the type's units
// (Plugin.Parse), and installs it between two of its loop turns (Install) or gives it up (Discard). A new binary
// that fails its sha256 pin, its handshake (protocol version) or Describe never gets past Prepare, and the old
// plugin keeps serving.

// Path is the binary that serves typ now: the one the last swap named, else the configured one.
func (m *Manager) Path(typ string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pathLocked(typ)
}

// ConfiguredPath is the binary the configuration names for typ.
func (m *Manager) ConfiguredPath(typ string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg.PluginPath(typ)
}

// Prepare launches a plugin for typ from the binary at path, checked against typ's pin, beside the running
// one. It does not serve until installed.
func (m *Manager) Prepare(typ, path string) (*Plugin, error) {
	m.mu.Lock()
	pin, timeout := m.cfg.Plugins[typ].SHA256, m.callTimeoutLocked()
	m.mu.Unlock()
	return m.launch(typ, path, pin, timeout)
}

// Discard stops a prepared plugin that is not to be installed.
func (m *Manager) Discard(p *Plugin) {
	m.mu.Lock()
	p.stopping = true
	m.endLocked(p, "", time.Now())
	m.mu.Unlock()
	go p.client.Kill()
}

// Install makes the prepared plugin p serve its type from the next call on, and stops the plugin it replaces
// (returned, nil if none ran). The binary p runs keeps serving the type, after a crash or an idle stop too,
// until the next swap; a path that is the configured one follows the configuration again. The type's crash
// record is forgotten: a new plugin starts with a clean slate.
func (m *Manager) Install(p *Plugin) (*Plugin, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.gone {
		return nil, fmt.Errorf("plugin %s: the new plugin (pid %d) ended before the swap", p.Type, p.Pid)
	}
	now := time.Now()
	ts := m.state(p.Type)
	old := m.runningLocked(p.Type)
	p.live = true
	ts.cur, ts.desc, ts.lastErr, ts.lastUse, ts.idle, ts.crashed = p, p.Desc, "", now, false, false
	ts.crashes.reset()
	ts.override = ""
	if p.Path != m.cfg.PluginPath(p.Type) {
		ts.override = p.Path
	}
	ts.swap = Swap{Time: now}
	if old != nil {
		ts.swap.FromVersion, ts.swap.FromPid = old.Desc.Version, old.Pid
		m.stopLocked(old)
	}
	m.armIdleLocked(now)
	m.log.Info("plugin swapped", "type", p.Type, "path", p.Path, "pid", p.Pid, "version", p.Desc.Version,
		"old_pid", ts.swap.FromPid, "old_version", ts.swap.FromVersion)
	return old, nil
}

// Stale lists, sorted, the types whose running plugin is not what the configuration asks for now: another
// binary path, a binary that changed on disk, or a pin it does not match. daemon-reload swaps them.
func (m *Manager) Stale() []string {
	type running struct {
		typ, want, pin string
		p              *Plugin
	}
	m.mu.Lock()
	var rs []running
	for typ := range m.types {
		if p := m.runningLocked(typ); p != nil {
			rs = append(rs, running{typ, m.pathLocked(typ), m.cfg.Plugins[typ].SHA256, p})
		}
	}
	m.mu.Unlock()
	var out []string
	for _, r := range rs {
		if m.stale(r.p, r.want, r.pin) {
			out = append(out, r.typ)
		}
	}
	sort.Strings(out)
	return out
}

// stale reports whether p is not what the configuration asks for: another path, another binary there now, or a
// pin its binary does not match. The file p was launched from, unchanged and not pinned, needs no hashing.
func (m *Manager) stale(p *Plugin, want, pin string) bool {
	if p.Path != want {
		return true
	}
	if pin == "" && p.binary.unchangedAt(want) {
		return false
	}
	sum, err := p.Digest()
	if err != nil || sum == "" {
		return true
	}
	disk, err := m.digests.get(want)
	return err != nil || disk != sum || pin != "" && pin != sum
}
