package manager

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/plugin"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The core's side of the plugin lifecycle (package plugin runs the processes):
//
//   - Calls off the loop. Each type's batch goes to its plugin on a goroutine of its own (dispatch.go); the
//     answer comes back to the loop and is applied there. A type has one call in flight at most: its events
//     queued meanwhile wait behind it, held in order. A call that outlives Plugins.CallTimeoutSec kills the
//     plugin (package plugin), and fails like a crash.
//   - Held events. When a type's plugin cannot take its batch (it crashed on it twice, it cannot be launched,
//     or it is backed off after crashing too often), the batch is held, in order, with every later event for the
//     type behind it, and delivered when the plugin is back: an event is never dropped, and a unit's job waits
//     for it. A timer brings the held events back to the loop when the backoff ends (or shortly after a failed
//     delivery), and the delivery launches the plugin again.
//   - The checkpoint counts an event as the plugin's only once its answer is applied: the events of a call in
//     flight, those held and those queued are saved with each turn (pendingEvents), so a core that dies during
//     a call hands them to the plugin again after its restart.
//   - Idle stops. When the plugin manager says a plugin has had no call for Plugins.IdleTimeoutSec, the loop
//     stops it unless a unit of its type is in transition, has a job, or has events queued, in flight or held.
//   - Live swaps: sctl reload-plugin, and daemon-reload for a binary that changed on disk.

// retryDelay is how soon a batch whose delivery failed is tried again when the type is not backed off.
const retryDelay = 100 * time.Millisecond

// pluginHost is what the loop needs from the plugins that serve unit types: describe a type, parse its units,
// deliver a batch of events, and launch and stop the plugins. Package plugin's Manager runs them as processes
// (go-plugin over gRPC); the loop's own tests serve in-memory types (loop_test.go). Every method may be called
// from any goroutine; Handle, Parse and Describe may launch the type's plugin first and may block until it
// answers or its call times out.
type pluginHost interface {
	// Known reports whether a plugin serves typ.
	Known(typ string) bool
	// Launch starts typ's plugin unless it runs.
	Launch(typ string) error
	Describe(typ string) (*pb.DescribeResponse, error)
	Parse(typ string, units []*pb.UnitFile) ([]*pb.Parsed, error)
	// Handle delivers a batch: one result per item, in order. An error means the plugin took none of it.
	Handle(typ string, items []*pb.Item) ([]*pb.Result, error)
	// Ready reports whether typ's plugin may be called now, else until when it is backed off.
	Ready(typ string) (bool, time.Time)
	// Passive reports whether typ's running plugin said its type holds no processes (false when none runs).
	Passive(typ string) bool
	// State describes typ's plugin for sctl status (loaded, idle, backoff (…), …).
	State(typ string) string
	StopAll()
}

var _ pluginHost = (*plugin.Manager)(nil)

// pluginGlue owns the events on their way to the plugins: those queued for this turn's batch, the calls in
// flight and their answers, the events held behind a call or for a plugin that cannot take them, and each
// unit's count of events not yet answered. It belongs to the loop (but answers, which calls hand in).
type pluginGlue struct {
	host pluginHost
	post func(func()) // hands a function to the loop: the retry timers' way back
	// queue holds, per unit type, the events to deliver in this turn's batch, in order.
	queue    map[string][]queued
	held     map[string][]queued    // per type, the events waiting for the plugin or behind its call, in order
	inflight map[string]*call       // per type, the call whose answer has not come back
	slow     map[string]bool        // types whose last call took longer than answerWait: flush does not wait for them
	pending  map[*Unit]int          // per unit, its events sent and not yet answered (such a unit is not collected)
	retry    map[string]*time.Timer // per type with held events, the timer that brings them back
	armed    map[string]time.Time   // when each retry timer fires
	answers  answers                // answers of calls, on their way to the loop
	// unmarked says that an event was queued without marking its unit dirty (an Executed report, which changes
	// nothing of the core's own) since the last commit: while one is pending, a turn commits even when nothing
	// is dirty, so that the held events it writes keep it (checkpoint.go).
	unmarked bool
	// savedPending says that the last commit wrote pending events: their answers change what the checkpoint
	// holds even when they change nothing else.
	savedPending bool
}

// call is a batch handed to a plugin.
type call struct {
	batch []queued
	since time.Time
}

func newPluginGlue(host pluginHost, post func(func())) pluginGlue {
	return pluginGlue{host: host, post: post, queue: map[string][]queued{}, held: map[string][]queued{},
		inflight: map[string]*call{}, slow: map[string]bool{}, pending: map[*Unit]int{},
		retry: map[string]*time.Timer{}, armed: map[string]time.Time{}, answers: answers{kick: make(chan struct{}, 1)}}
}

// add queues ev for u's plugin, for this turn's batch.
func (g *pluginGlue) add(u *Unit, ev *pb.Event) {
	g.queue[u.Type] = append(g.queue[u.Type], queued{u: u, ev: ev})
	g.pending[u]++
}

// answered notes that one of u's events has been handled, and reports whether none is left.
// queuedNews reports whether the last UnitChanged about ev's unit queued for t in this turn says what ev says.
func (g *pluginGlue) queuedNews(t *Unit, ev *pb.UnitChanged) bool {
	q := g.queue[t.Type]
	for i := len(q) - 1; i >= 0; i-- {
		if q[i].u != t {
			continue
		}
		if c := q[i].ev.GetUnitChanged(); c != nil && c.Unit == ev.Unit {
			return proto.Equal(c, ev)
		}
	}
	return false
}

func (g *pluginGlue) answered(u *Unit) bool {
	if g.pending[u]--; g.pending[u] <= 0 {
		delete(g.pending, u)
		return true
	}
	return false
}

// holdIfUnready holds batch when typ's plugin cannot take it now: a call of the type is in flight, earlier
// events of the type are held (order), or the type is backed off. It reports whether it held the batch.
func (g *pluginGlue) holdIfUnready(typ string, batch []queued) bool {
	_, busy := g.inflight[typ]
	if !busy && len(g.held[typ]) == 0 {
		if ok, _ := g.host.Ready(typ); ok {
			return false
		}
	}
	g.held[typ] = append(g.held[typ], batch...)
	if !busy { // else the answer releases them
		g.armRetry(typ)
	}
	return true
}

// hold keeps a batch whose delivery failed for a later turn, before what is held already.
func (g *pluginGlue) hold(typ string, batch []queued) {
	g.held[typ] = append(batch, g.held[typ]...)
	g.armRetry(typ)
}

// armRetry makes sure a timer brings typ's held events back to the loop when the plugin can take them.
func (g *pluginGlue) armRetry(typ string) {
	at := time.Now().Add(retryDelay)
	if ok, until := g.host.Ready(typ); !ok {
		at = until
	}
	if t := g.retry[typ]; t != nil {
		if !g.armed[typ].After(at) {
			return
		}
		t.Stop()
	}
	g.armed[typ] = at
	g.retry[typ] = time.AfterFunc(time.Until(at), func() { g.post(func() { g.release(typ) }) })
}

// release queues typ's held events again, before any queued since, for this turn's batch.
func (g *pluginGlue) release(typ string) {
	if t := g.retry[typ]; t != nil {
		t.Stop()
		delete(g.retry, typ)
		delete(g.armed, typ)
	}
	held := g.held[typ]
	if len(held) == 0 {
		return
	}
	delete(g.held, typ)
	g.queue[typ] = append(held, g.queue[typ]...)
}

// stop stops the retry timers (Manager.Close).
func (g *pluginGlue) stop() {
	for _, t := range g.retry {
		t.Stop()
	}
}

// pendingEvents lists the events sent to plugins and not answered yet, per type in the order they must be
// delivered: the call in flight, the held events, the queued ones. The checkpoint keeps them.
func (g *pluginGlue) pendingEvents() []queued {
	types := map[string]bool{}
	for t := range g.inflight {
		types[t] = true
	}
	for t := range g.held {
		types[t] = true
	}
	for t := range g.queue {
		types[t] = true
	}
	var out []queued
	for _, t := range slices.Sorted(maps.Keys(types)) {
		if c := g.inflight[t]; c != nil {
			out = append(out, c.batch...)
		}
		out = append(out, g.held[t]...)
		out = append(out, g.queue[t]...)
	}
	return out
}

// heldFor counts the events held for u.
func (g *pluginGlue) heldFor(u *Unit) int {
	n := 0
	for _, q := range g.held[u.Type] {
		if q.u == u {
			n++
		}
	}
	return n
}

// busy reports whether events for typ are queued, in flight or held.
func (g *pluginGlue) busy(typ string) bool {
	return len(g.queue[typ]) > 0 || len(g.held[typ]) > 0 || g.inflight[typ] != nil
}

// unitState is the PluginState property of u: its type's plugin state, a call that takes long, and the
// events held for u.
func (g *pluginGlue) unitState(u *Unit) string {
	s := g.host.State(u.Type)
	c := g.inflight[u.Type]
	if c != nil {
		if d := time.Since(c.since); d >= time.Second {
			s += fmt.Sprintf("; a call in progress for %s", d.Round(100*time.Millisecond))
		}
	}
	if n := g.heldFor(u); n > 0 {
		if c != nil {
			s += fmt.Sprintf("; %d events for this unit wait for it", n)
		} else {
			s += fmt.Sprintf("; %d events held for this unit until the plugin is back", n)
		}
	}
	return s
}

// checkIdle stops the plugins that have been idle for the timeout, unless their units still need them.
func (m *Manager) checkIdle() {
	for _, typ := range m.pluginProcs.Idle() {
		if m.pluginBusy(typ) {
			m.pluginProcs.Touch(typ)
			continue
		}
		m.pluginProcs.StopIdle(typ)
	}
	m.pluginProcs.ArmIdle()
}

// pluginBusy reports whether typ's plugin is still needed: events queued, in flight or held for the type, or a
// unit of it activating, deactivating, reloading or with a job.
func (m *Manager) pluginBusy(typ string) bool {
	if m.pg.busy(typ) {
		return true
	}
	for name, u := range m.units {
		if name != u.ID || u.Type != typ {
			continue
		}
		switch u.Active {
		case unit.Activating, unit.Deactivating, unit.Reloading:
			return true
		}
		if m.engine.Get(u.ID) != nil {
			return true
		}
	}
	return false
}

func (l local) ReloadPlugin(ctx context.Context, typ, path string) (api.PluginSwap, error) {
	m := l.m
	if err := m.doErr(ctx, func() error {
		if err := m.cfg.AllowedType(typ); err != nil {
			return errdefs.FailedPrecondition(err)
		}
		if path == "" {
			path = m.pluginProcs.ConfiguredPath(typ)
		}
		return nil
	}); err != nil {
		return api.PluginSwap{}, err
	}
	return m.swapPlugin(ctx, typ, path)
}

// swapUnit is a unit the new plugin re-parses, with the fragment it parsed.
type swapUnit struct {
	u    *Unit
	frag *unit.Fragment
}

// swapPlugin replaces typ's plugin by the binary at path. The launch and the re-parse of the type's loaded units
// happen beside the loop; only the switch-over runs on it: units loaded or re-read in the meantime are parsed
// again there, the new config bytes are applied (state bytes stay), and the new plugin is installed.
//
// A swap re-parses every loaded unit of the type with the new plugin and replaces the units' config bytes: the
// simplest rule that stays correct when a new version changes its config format. A new plugin that reports an
// error for a loaded unit, or whose state schema is older than a unit's state, is refused. Dependencies the new
// plugin would add take effect at the next daemon-reload.
func (m *Manager) swapPlugin(ctx context.Context, typ, path string) (api.PluginSwap, error) {
	refused := func(err error) error {
		return errdefs.FailedPrecondition(fmt.Errorf("%v; the running plugin keeps serving", err))
	}
	np, err := m.pluginProcs.Prepare(typ, path)
	if err != nil {
		return api.PluginSwap{}, refused(err)
	}
	installed := false
	defer func() {
		if !installed {
			m.pluginProcs.Discard(np)
		}
	}()
	var snap []swapUnit
	if err := m.doErr(ctx, func() error {
		snap = m.swapUnits(typ, nil)
		return checkStateVersions(snap, np)
	}); err != nil {
		return api.PluginSwap{}, refused(err)
	}
	parsed, err := parseWith(np, snap)
	if err != nil {
		return api.PluginSwap{}, refused(err)
	}
	npDigest, _ := np.Digest()
	resp := api.PluginSwap{NewPid: np.Pid, NewVersion: np.Desc.Version, SHA256: npDigest}
	err = m.doErr(ctx, func() error {
		start := time.Now()
		// Units loaded or re-read since the snapshot are parsed on the loop.
		seen := make(map[*Unit]*unit.Fragment, len(snap))
		for _, s := range snap {
			seen[s.u] = s.frag
		}
		late := m.swapUnits(typ, seen)
		if err := checkStateVersions(late, np); err != nil {
			return refused(err)
		}
		more, err := parseWith(np, late)
		if err != nil {
			return refused(err)
		}
		all, results := append(snap, late...), append(parsed, more...)
		var keep []int
		var problems []string
		for i, s := range all {
			if !s.u.current(s.frag) { // re-read since the snapshot: its entry in late counts
				continue
			}
			keep = append(keep, i)
			for _, pr := range results[i].Problems {
				if pr.Severity != pb.Problem_SEVERITY_WARNING {
					e := &unitfile.Error{File: pr.File, Line: int(pr.Line), Section: pr.Section, Key: pr.Key, Msg: pr.Message}
					problems = append(problems, s.u.ID+": "+e.Error())
				}
			}
		}
		if len(problems) > 0 {
			return refused(fmt.Errorf("plugin %s (%s) rejects loaded units: %s", typ, path, strings.Join(problems, "; ")))
		}
		for _, i := range keep {
			u, p := all[i].u, results[i]
			u.Config, u.Annotations, u.Settings = p.Config, newPairs(p.Annotations), newPairs(p.Properties)
		}
		m.busNamesChanged()
		old, err := m.pluginProcs.Install(np)
		if err != nil {
			return refused(err)
		}
		installed = true
		m.pg.release(typ) // events held while the old plugin was backed off go to the new one in this turn
		pause := time.Since(start)
		if old != nil {
			resp.OldPid, resp.OldVersion = old.Pid, old.Desc.Version
		}
		resp.Units, resp.Pause = len(keep), pause
		m.log.Info("plugin swap done", "type", typ, "units", len(keep), "late_units", len(late), "pause", pause)
		return nil
	})
	if err != nil {
		return api.PluginSwap{}, err
	}
	return resp, nil
}

// current reports whether u is still loaded from frag.
func (u *Unit) current(frag *unit.Fragment) bool { return u.Frag == frag && u.LoadState == unit.Loaded }

// swapUnits lists typ's loaded units, leaving out those in seen that are still loaded from the same fragment.
func (m *Manager) swapUnits(typ string, seen map[*Unit]*unit.Fragment) []swapUnit {
	var out []swapUnit
	for name, u := range m.units {
		if name != u.ID || u.Type != typ || u.LoadState != unit.Loaded {
			continue
		}
		if f, ok := seen[u]; ok && f == u.Frag {
			continue
		}
		out = append(out, swapUnit{u: u, frag: u.Frag})
	}
	return out
}

// parseWith has p parse the units; the requests are built from what the loop read (fragments do not change
// once read: a re-read makes a new one).
func parseWith(p *plugin.Plugin, units []swapUnit) ([]*pb.Parsed, error) {
	if len(units) == 0 {
		return nil, nil
	}
	req := make([]*pb.UnitFile, len(units))
	for i, s := range units {
		req[i] = &pb.UnitFile{Unit: unitInfo(s.u), Sections: unit.WireSections(s.frag.TypeSections)}
	}
	return p.Parse(req)
}

// checkStateVersions refuses a plugin whose state schema is older than a unit's state: it could not read it.
func checkStateVersions(units []swapUnit, p *plugin.Plugin) error {
	for _, s := range units {
		if s.u.StateVersion > p.Desc.StateVersion {
			return fmt.Errorf("unit %s has state version %d, newer than the %d of plugin %s %s (%s)",
				s.u.ID, s.u.StateVersion, p.Desc.StateVersion, p.Type, p.Desc.Version, p.Path)
		}
	}
	return nil
}

// swapStalePlugins swaps, at daemon-reload, the running plugins whose binary is not the configured one any
// more or changed on disk. The units are re-parsed by the reload that follows. A new binary that is refused is
// logged, and the old plugin keeps serving.
func (m *Manager) swapStalePlugins() {
	for _, typ := range m.pluginProcs.Stale() {
		path := m.pluginProcs.Path(typ)
		np, err := m.pluginProcs.Prepare(typ, path)
		if err == nil {
			err = checkStateVersions(m.swapUnits(typ, nil), np)
			if err != nil {
				m.pluginProcs.Discard(np)
			}
		}
		if err == nil {
			if _, err = m.pluginProcs.Install(np); err == nil {
				m.pg.release(typ)
			}
		}
		if err != nil {
			m.log.Error("plugin binary changed, but the new one is refused; the running plugin keeps serving", "type", typ,
				"path", path, "error", err)
		}
	}
}

// parsedBytes is what a plugin made of a unit's files.
type parsedBytes struct {
	config      []byte
	annotations pairs
	settings    pairs
}

// keepParsedWhileBackedOff gives the units that a daemon-reload could not have parsed because their type's
// plugin is backed off their previous config bytes back: they may be running, and the events held for them
// must find them as they were. Changes to their files take effect at a daemon-reload once the plugin is back.
func (m *Manager) keepParsedWhileBackedOff(units []*Unit, prev map[*Unit]parsedBytes) {
	for _, u := range units {
		p, ok := prev[u]
		if !ok || u.LoadState != unit.Error || !errors.Is(u.LoadError, plugin.ErrBackoff) {
			continue
		}
		m.log.Warn("plugin backed off: the unit keeps its previous configuration until a daemon-reload once the plugin is back",
			"unit", u.ID, "error", u.LoadError)
		u.Config, u.Annotations, u.Settings = p.config, p.annotations, p.settings
		u.LoadState, u.LoadError = unit.Loaded, nil
		m.busNamesChanged()
	}
}

func (l local) ListPlugins(ctx context.Context) ([]api.PluginInfo, error) {
	var out []api.PluginInfo
	err := l.m.do(ctx, func() {
		count := map[string]int{}
		for name, u := range l.m.units {
			if name == u.ID && u.LoadState == unit.Loaded {
				count[u.Type]++
			}
		}
		for _, p := range l.m.pluginProcs.List() {
			out = append(out, api.PluginInfo{Type: p.Type, Path: p.Path, SHA256: p.SHA256, Pinned: p.Pinned,
				Pid: p.Pid, State: p.State, Units: count[p.Type], Version: p.Version, Error: p.Error,
				Restarts: p.Restarts, RunningSHA256: p.RunningSHA256, SwappedFrom: p.Swap.FromVersion, LastSwap: p.Swap.Time})
		}
	})
	return out, err
}

// prelaunch starts the plugins of types a boot needs for certain (the mount table's and their slices, udev's
// devices, the default unit's; a type that runs processes brings the slice type), all at
// once and off the loop, while the loop runs the generators and reads the unit files: reading a unit waits for
// its type's plugin to describe the type, and launches one after the other (tens of milliseconds each) were most
// of a boot's time. Each plugin is still launched on demand, only earlier. A type nothing serves, or that the
// profile refuses, is left alone; a failed launch is tried again, and reported, by the first call that needs it.
func (m *Manager) prelaunch(types ...string) {
	for _, typ := range types {
		if typ == "" || !m.typeServed(typ) {
			continue
		}
		go func() { _ = m.plugins.Launch(typ) }()
	}
}
