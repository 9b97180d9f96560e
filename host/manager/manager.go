package manager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/host/checkpoint"
	"github.com/sysmaster/sysmaster/host/condition"
	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/dbusapi"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/notify"
	"github.com/sysmaster/sysmaster/host/plugin"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/host/unitlog"
	"github.com/sysmaster/sysmaster/pkg/cpuprofile"
	"github.com/sysmaster/sysmaster/pkg/memtrim"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Options configure a Manager. The zero value of each field means the default in brackets.
type Options struct {
	ConfigPath  string    // [/etc/sysmaster/system.conf]
	RunDir      string    // [/run/sysmaster]
	DefaultUnit string    // unit to start instead of the configured one (sysmaster.unit=)
	Log         io.Writer // [os.Stderr] the manager's log
	Console     io.Writer // [os.Stderr] systemd-style status lines ("[  OK  ] Reached target …")
	// SystemdRunDir is where systemd's D-Bus API listens (private) and where sd_booted()'s marker goes (system/)
	// [/run/systemd; RunDir/systemd when RunDir is set, so that a manager under test leaves the host's alone].
	SystemdRunDir string
}

// Manager is the core. Create it with New and run it with Run.
type Manager struct {
	opts    Options
	cfg     config.Config
	log     *slog.Logger
	console io.Writer

	reaper *reaper.Reaper
	// plugins is what the loop needs from the unit types' plugins; pluginProcs, the same plugin manager, also
	// swaps, lists and idles their processes (nil in the loop's in-process tests, whose types are in memory).
	plugins     pluginHost
	pluginProcs *plugin.Manager
	loader      *unit.Loader
	engine      *job.Engine
	mounts      mountTracking
	devices     deviceTracking
	swaps       swapTracking
	api         *api.Server
	dbus        *dbusapi.Server // nil when the D-Bus API could not be served
	busNames    busNameWatch    // the bus names units watch, for dbus (busname.go)
	init        *initLink

	// units maps every name (ids and aliases) to its unit.
	units map[string]*Unit
	// The owners of what the core holds for units, each in its own file with its part of the checkpoint beside
	// it: processes (proctable.go), descriptors (fdtable.go), timers (timers.go).
	procs    procTable
	fds      fdTable
	timers   timerTable
	unitLogs *unitlog.Store // each unit's output and the manager's lines about it

	notifySocket *notify.Listener  // nil when it could not be opened
	cg           *cgroup.Hierarchy // nil without usable cgroups
	notes        queue[notify.Message]
	// gc holds the units that may have become collectable, swept at the end of a turn (gc.go).
	gc gcQueue

	// The checkpoint (checkpoint.go): nil store without one; snapshot is what a previous core left, until
	// restored; dirty are the units whose record this turn must write; notesTaken counts the notifications the
	// loop took since the last commit, which the notify log may then forget.
	store      *checkpoint.Store
	snapshot   *checkpoint.Snapshot
	dirty      map[*Unit]bool
	noteLog    *replayLog[notify.Message]
	notesTaken int
	// stale are records of the snapshot that were not restored (unreadable, or their unit no longer loads),
	// deleted by the next commit so that the store holds only records in the current format.
	stale []string

	pg   pluginGlue // events on their way to the plugins (plugins.go), delivered by dispatch.go
	life *lifecycle // what a unit's state change and a job's end set off (lifecycle.go)

	calls chan func()
	// committed are the control calls (doCommitted) to answer once the turn they ran in is committed.
	committed []func()
	closeOnce sync.Once
	// stopProfile ends and writes the CPU profile New started when $SYSMASTER_CPU_PROFILE is set (pkg/cpuprofile).
	stopProfile func()
	done        chan struct{}
	// reexec ends the loop after this turn for a daemon-reexec; reexecuting is closed then.
	reexec      bool
	reexecuting chan struct{}
	// jobsEnded counts the jobs ended since the job queue was last found empty; gcPercent is the GC's pace
	// paceMemory set last, 0 before it set one (rest.go).
	jobsEnded, gcPercent int
	reloads              []time.Time // recent daemon-reloads and -reexecs, for the rate limit
	reloadsDirty         bool        // reloads changed since the last commit
	// checkpointLost is set when a checkpoint was there but could not be used.
	checkpointLost bool
	// instance names this process image (Ping): a re-executed core has another.
	instance string
	bootTime time.Time
	// confProblems is what is wrong with system.conf and the unit search path (see confproblems.go).
	confProblems []string
	// environ is the manager environment (sctl set-environment; environment.go).
	environ []string
	boot    bootTimes // when the boot's jobs were done (boottime.go)
	watch   watchers  // the queues of api.Core.Watch (events.go)
	// The run-time settings of sctl log-level, log-target and service-watchdogs (options.go).
	logLevel *slog.LevelVar
	logSink  *logSink
	options  runtimeOptions
	// crashFile is $SYSMASTER_TEST_CRASH_AT, the test-only crash points' file (crashpoint.go); empty outside tests.
	crashFile string
}

type queued struct {
	u  *Unit
	ev *pb.Event
}

// New sets the manager up: configuration, reaper, plugin manager, unit loader, control socket and the link to
// init. It starts nothing yet.
func New(opts Options) (*Manager, error) {
	stopProfile := cpuprofile.Start() // the core's setup too: its store, its cgroup, its sockets
	if opts.ConfigPath == "" {
		opts.ConfigPath = config.DefaultPath
	}
	if opts.SystemdRunDir == "" {
		opts.SystemdRunDir = "/run/systemd"
		if opts.RunDir != "" {
			opts.SystemdRunDir = filepath.Join(opts.RunDir, "systemd")
		}
	}
	if opts.RunDir == "" {
		opts.RunDir = "/run/sysmaster"
	}
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.Console == nil {
		opts.Console = os.Stderr
	}
	m := &Manager{
		stopProfile: stopProfile,
		opts:        opts,
		console:     opts.Console,
		units:       map[string]*Unit{},
		procs:       newProcTable(),
		fds:         newFdTable(),
		dirty:       map[*Unit]bool{},
		reexecuting: make(chan struct{}),
		instance:    newInstanceID(),
		calls:       make(chan func(), 1024),
		done:        make(chan struct{}),
		bootTime:    time.Now(),
		crashFile:   os.Getenv(crashEnv),
	}
	m.timers = newTimerTable(m.post)
	m.life = newLifecycle(m)
	cfg, problems := config.Load(opts.ConfigPath)
	m.cfg = cfg
	m.newLogger(opts.Log, cfg.LogLevel) // options.go
	m.noteConfigProblems(problems)
	if err := os.MkdirAll(opts.RunDir, 0o755); err != nil {
		return nil, fmt.Errorf("manager: %w", err)
	}
	// Before the reaper: every exit it reports goes through the exit log.
	m.openCheckpoint()
	r, err := reaper.New(m.pushExit)
	if err != nil {
		return nil, fmt.Errorf("manager: cannot become a subreaper: %w", err)
	}
	m.reaper = r
	m.procs.exec = newForkExec(r, m.pushExit, m.log)
	if m.unitLogs, err = unitlog.Open(filepath.Join(opts.RunDir, "log")); err != nil {
		return nil, fmt.Errorf("manager: %w", err)
	}
	m.pluginProcs = plugin.NewManager(r, cfg, m.log, filepath.Join(opts.RunDir, "plugins"), func(typ string, e reaper.Exit) {
		m.log.Info("plugin exited", "type", typ, "pid", e.Pid, "how", e.String())
	})
	m.plugins = m.pluginProcs
	m.pg = newPluginGlue(m.plugins, m.post)
	m.pluginProcs.OnIdle(func() { m.post(m.checkIdle) })
	// init first: it hands back what it kept for a previous core (the notify socket among them).
	m.init = dialInit(m, filepath.Join(opts.RunDir, "init.sock"))

	for _, nf := range m.init.takeFds() {
		m.fds.kept[nf.Name] = nf.File
	}
	m.listenNotify(filepath.Join(opts.RunDir, "notify"))
	m.openFdWatch()
	m.openCgroups()
	m.loader = m.newLoader()
	m.engine = job.NewEngine(graph{m})
	m.engine.OnFinish = func(j *job.Job, r job.Result) {
		m.jobsEnded++
		m.life.jobFinished(j, r)
	}
	m.engine.OnCycleBroken = m.cycleBroken
	srv, err := api.Listen(filepath.Join(opts.RunDir, "private"), local{m})
	if err != nil {
		return nil, fmt.Errorf("manager: control socket: %w", err)
	}
	m.api = srv
	m.serveDBus()
	return m, nil
}

// searchPath is where unit files are looked up, first wins: transient units (created at run time) and early
// generators' output before the configured directories, the normal generators' output before the last (vendor)
// one and the late generators' output after it, as systemd orders its own (man systemd.unit, "Unit File Load
// Path"). The transient and generator directories are only
// searched if they exist when the loader is made (at start and at each daemon-reload, as systemd's lookup paths
// are), so that a unit lookup costs nothing for them otherwise; the configured directories are always searched.
func (m *Manager) searchPath() []string {
	run := m.opts.RunDir
	out := existing(filepath.Join(run, "transient"), filepath.Join(run, "generator.early"))
	paths := m.cfg.UnitPaths
	if n := len(paths); n > 0 {
		out = append(out, paths[:n-1]...)
		out = append(out, existing(filepath.Join(run, "generator"))...)
		out = append(out, paths[n-1])
	} else {
		out = append(out, existing(filepath.Join(run, "generator"))...)
	}
	return append(out, existing(filepath.Join(run, "generator.late"))...)
}

// existing keeps the directories that exist.
func existing(dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// generatedOrTransient says "generated" or "transient" for a file in one of those directories, else "".
func (m *Manager) generatedOrTransient(path string) string {
	run := m.opts.RunDir
	switch filepath.Dir(path) {
	case filepath.Join(run, "transient"):
		return "transient"
	case filepath.Join(run, "generator.early"), filepath.Join(run, "generator"), filepath.Join(run, "generator.late"):
		return "generated"
	}
	return ""
}

func (m *Manager) newLoader() *unit.Loader {
	host, _ := os.Hostname()
	return &unit.Loader{
		Paths:        m.searchPath(),
		Hostname:     host,
		MachineID:    readTrim("/etc/machine-id"),
		BootID:       readTrim("/proc/sys/kernel/random/boot_id"),
		TypeSections: m.typeSections,
		Declared:     m.declared,
	}
}

// Run starts the default unit (or, when a previous core left a checkpoint, restores it) and serves until the
// system is brought down (or ctx ends). It returns the shutdown action that ended it ("poweroff", "reboot",
// "halt"), Reexec for a daemon-reexec, or "" when ctx ended it.
func (m *Manager) Run(ctx context.Context) string {
	defer m.close()
	target := m.opts.DefaultUnit
	if target == "" {
		target = m.cfg.DefaultUnit
	}
	if m.snapshot != nil {
		m.log.Info("sysmaster coming back", "pid", os.Getpid())
		m.restore()
		m.trackMounts()
		m.trackDevices()
		m.trackSwaps()
	} else {
		m.log.Info("sysmaster starting", "default_unit", target, "pid", os.Getpid())
		m.dropKept()
		m.endOrphans()
		// The mount table's units (and their slice), udev's devices and the default unit: a boot needs these
		// types for certain, so their plugins start now, beside the generators.
		m.prelaunch("mount", "slice", "device", unitname.Type(target))
		m.runGenerators()
		m.loader = m.newLoader()
		m.firstBoot()
		m.trackMounts()
		m.trackDevices()
		m.trackSwaps()
		m.startDefault(target)
	}
	m.turn()
	m.commit()
	m.answerCommitted()
	hup, term := make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(hup)
	defer signal.Stop(term)
	defer m.catchCrashSignals()()
	// Memory a burst of work grew (a boot, a daemon-reload, 1,000 starts) goes back to the kernel once it is over.
	trim := memtrim.New(memtrim.DefaultQuiet)
	trim.Then(m.pageOutAtRest())
	defer trim.Stop()
	for {
		select {
		case <-hup:
			if err := m.reloadLimited(); err != nil {
				m.log.Warn("SIGHUP ignored", "error", err)
				break
			}
			m.log.Info("SIGHUP: reloading")
			m.reload()
		case <-term:
			if err := m.reloadLimited(); err != nil {
				m.log.Warn("SIGTERM ignored", "error", err)
				break
			}
			m.askReexec("SIGTERM") // as systemd's manager does with SIGTERM
		case f := <-m.calls:
			f()
			m.drain()
			m.commitForCallers()
		case <-m.procs.exits.kick:
			m.drain()
		case <-ctx.Done():
			return ""
		}
		m.turn()
		m.commit()
		m.answerCommitted() // after the commit: what a caller is told survives a core crash
		trim.Touch()
		m.paceMemory(trim)
		if m.life.shutdown != "" {
			m.forgetCheckpoint()
			return m.life.shutdown
		}
		if m.reexec {
			close(m.reexecuting)
			return Reexec
		}
	}
}

// firstBoot applies the presets to every unit file when this is the machine's first boot (init found no machine
// ID: condition.FirstBoot), before the boot transaction is built.
func (m *Manager) firstBoot() {
	if !condition.FirstBoot() {
		return
	}
	changes, err := m.presetAll(m.cfg.UnitPaths[0], "enable-only")
	m.log.Info("first boot: presets applied", "changes", len(changes))
	if err != nil {
		m.log.Error("first boot: cannot apply presets", "error", err)
	}
	m.loader = m.newLoader()
}

// startDefault enqueues the boot transaction. A boot always leaves a way in: a default unit that cannot be
// loaded or whose transaction is refused falls back to rescue.target and then to emergency.target, as systemd
// falls back to rescue.target (it freezes when that fails too; the emergency shell is the better end).
func (m *Manager) startDefault(name string) {
	tries := []string{name}
	for _, t := range []string{"rescue.target", "emergency.target"} {
		if !slices.Contains(tries, t) {
			tries = append(tries, t)
		}
	}
	for i, t := range tries {
		if i > 0 {
			m.log.Warn("falling back", "unit", t)
			fmt.Fprintf(m.console, "Falling back to %s.\n", t)
		}
		u := m.load(t)
		err := u.LoadError
		if u.LoadState == unit.Loaded {
			_, err = m.enqueue(u, job.Start, job.Replace, false)
		} else if err == nil {
			err = fmt.Errorf("unit %s is %s", t, u.LoadState)
		}
		if err == nil {
			return
		}
		m.log.Error("cannot start the default unit", "unit", t, "error", err)
		fmt.Fprintf(m.console, "[FAILED] Failed to start default unit %s: %v\n", t, err)
	}
}

// drain runs what else is already pending, so that one turn handles it all in one batch.
func (m *Manager) drain() {
	// Exec reports and notifications first: both were sent before any exit of the same process.
	for _, x := range m.procs.executed.take() {
		m.onExecuted(x)
	}
	notes := m.notes.take()
	m.notesTaken += len(notes)
	for _, n := range notes {
		m.onNotify(n)
	}
	exits := m.procs.exits.take()
	m.procs.exitsTaken += len(exits)
	for _, e := range exits {
		m.onExit(e)
	}
	for i := 0; i < cap(m.calls); i++ {
		select {
		case f := <-m.calls:
			f()
		default:
			return
		}
	}
}

// post hands f to the loop without waiting. It never drops f: when the queue is full it waits for room.
func (m *Manager) post(f func()) {
	select {
	case m.calls <- f:
	case <-m.done:
	}
}

// do runs f on the loop and waits for it, or for ctx.
func (m *Manager) do(ctx context.Context, f func()) error {
	ran := make(chan struct{})
	return m.await(ctx, func() { f(); close(ran) }, ran)
}

// doCommitted is do for a call whose effect a caller relies on (a job installed by `start --no-block`): it
// answers once what it did is committed (commitForCallers, or the turn's commit), so that what the caller was
// told survives a core crash, as WaitJobs answers after the commit too.
// It returns f's error, or the loop's.
func (m *Manager) doCommitted(ctx context.Context, f func() error) error {
	var ferr error
	ran := make(chan struct{})
	call := func() {
		ferr = f()
		m.committed = append(m.committed, func() { close(ran) })
	}
	if err := m.await(ctx, call, ran); err != nil {
		return err
	}
	return ferr
}

// await hands call to the loop and waits until ran is closed, or for ctx.
func (m *Manager) await(ctx context.Context, call func(), ran <-chan struct{}) error {
	select {
	case m.calls <- call:
	case <-ctx.Done():
		return ctx.Err()
	case <-m.done:
		return errors.New("manager: shutting down")
	}
	select {
	case <-ran:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// commitForCallers commits now, before the turn, when a call of doCommitted waits: its caller (sctl start
// --no-block, or sctl start, whose WaitJobs follows) gets its answer while the turn runs the jobs, as when it
// was answered before the commit. The state between the calls and the turn is as consistent as at a turn's
// end: the jobs are installed, the events queued are saved with the held ones.
func (m *Manager) commitForCallers() {
	if len(m.committed) > 0 {
		m.commit()
		m.answerCommitted()
	}
}

// answerCommitted answers the callers waiting for the commit of this turn: WaitJobs' and doCommitted's. The loop
// calls it after each commit.
func (m *Manager) answerCommitted() {
	m.life.answerWaiters()
	for _, answer := range m.committed {
		answer()
	}
	m.committed = nil
}

// turn runs jobs and delivers events until nothing moves. The bound only guards against a plugin that answers
// every event with another one; the remaining work is picked up in the next turn.
func (m *Manager) turn() {
	m.watchBusNames() // busname.go: before the plugins hear of the turn's events
	for i := 0; i < 1000; i++ {
		ran := m.runJobs()
		if len(m.pg.queue) == 0 && !ran {
			m.sweepGC()
			return
		}
		m.flush()
	}
	m.post(func() {})
}

// close stops serving: the control socket, the notify socket, the plugins, the link to init. Run does it when it
// returns; Close does it when Run never ran.
func (m *Manager) close() {
	m.closeOnce.Do(func() {
		m.stopTrackingMounts()
		m.stopTrackingDevices()
		m.stopTrackingSwaps()
		m.api.Stop()
		switch {
		case m.dbus != nil && m.reexec:
			m.dbus.HandOver() // the next image closes the private connections once it serves
		case m.dbus != nil:
			m.dbus.Stop()
		}
		if m.notifySocket != nil {
			m.notifySocket.Close()
		}
		m.plugins.StopAll()
		close(m.done)
		if m.stopProfile != nil {
			m.stopProfile() // before init hears of the end: it ends every process then
		}
		m.init.close()
	})
}

// Close releases everything the manager holds, after Run returned or instead of it: what Run's end stops (the
// control and notify sockets, the plugins, the link to init), then the reaper, the timers, the descriptor watch,
// the cgroup watches, the descriptors held for units and those init handed back, the checkpoint store and the
// replay logs. The units' processes go on running, as after a core crash. cmd/sysmaster does not call it: a
// core that ends is followed by init's restart or by its own re-execution, which need none of it released.
func (m *Manager) Close() error {
	m.close()
	m.reaper.Close()
	m.timers.stop()
	m.pg.stop()
	if m.fds.watch != nil {
		m.fds.watch.Close()
	}
	for _, u := range m.unique() {
		m.unwatchCgroup(u)
		for _, f := range u.fds {
			f.file.Close()
		}
	}
	if m.cg != nil {
		m.cg.Close() // the inotify instance and its goroutine
	}
	for _, f := range m.fds.kept {
		f.Close()
	}
	if m.procs.exitLog != nil {
		m.procs.exitLog.close()
		m.noteLog.close()
		m.procs.spawnLog.close()
	}
	if m.store != nil {
		return m.store.Close()
	}
	return nil
}

// queue is a FIFO other goroutines fill and the loop drains (sd_notify messages, exec reports).
type queue[T any] struct {
	mu   sync.Mutex
	list []T
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	q.list = append(q.list, v)
	q.mu.Unlock()
}

func (q *queue[T]) take() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.list
	q.list = nil
	return l
}

func logLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return string(b)
}
