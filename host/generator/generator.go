package generator

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/reaper"
)

// Out are the three output directories handed to every generator.
type Out struct{ Normal, Early, Late string }

// OutDirs are the output directories under the core's run directory: generator, generator.early,
// generator.late, as systemd has them under /run/systemd.
func OutDirs(runDir string) Out {
	return Out{filepath.Join(runDir, "generator"), filepath.Join(runDir, "generator.early"), filepath.Join(runDir, "generator.late")}
}

// Spawner starts a process through the core's reaper: start forks it, sink gets its exit (reaper.Reaper).
type Spawner interface {
	Start(start func() (int, error), sink reaper.Sink) (int, error)
}

// Runner runs the generators of Dirs into Out. Its zero Timeout means no limit.
type Runner struct {
	Dirs    []string // searched in order: a name in an earlier directory hides the same name in later ones
	Out     Out
	Timeout time.Duration
	Reaper  Spawner
	Log     *slog.Logger
	// Env is the generators' environment; systemd's $SYSTEMD_SCOPE is added.
	Env []string
}

// Result is how one generator ended.
type Result struct {
	Name, Path string
	Exit       reaper.Exit // valid when Err is nil
	TimedOut   bool        // killed after Runner.Timeout
	Err        error       // it could not be started
	Took       time.Duration
}

// OK reports a generator that exited with status 0 in time.
func (r Result) OK() bool {
	return r.Err == nil && !r.TimedOut && r.Exit.Code == reaper.Exited && r.Exit.Status == 0
}

// find lists the generators to run, sorted by name: the first file of each name along dirs, masks left out.
func find(dirs []string) (paths []string, masked []string) {
	seen := map[string]bool{}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if seen[e.Name()] {
				continue
			}
			seen[e.Name()] = true
			p := filepath.Join(d, e.Name())
			if isMask(p) {
				masked = append(masked, p)
				continue
			}
			paths = append(paths, p)
		}
	}
	sort.Slice(paths, func(i, j int) bool { return filepath.Base(paths[i]) < filepath.Base(paths[j]) })
	return paths, masked
}

// isMask reports an empty file or a symlink to /dev/null.
func isMask(p string) bool {
	if t, err := os.Readlink(p); err == nil && t == "/dev/null" {
		return true
	}
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Size() == 0
}

// prepare empties and creates the output directories.
func (r *Runner) prepare() error {
	for _, d := range []string{r.Out.Normal, r.Out.Early, r.Out.Late} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// trim removes the output directories left empty, so that the search path does not hold them.
func (r *Runner) trim() {
	for _, d := range []string{r.Out.Normal, r.Out.Early, r.Out.Late} {
		os.Remove(d) // fails, as it should, when the directory holds something
	}
}

// running is a started generator.
type running struct {
	Result
	pid    int
	exited chan reaper.Exit
	output chan struct{} // closed when its output has been read to the end
	start  time.Time
}

// Run runs every generator at once and returns when each has exited or been killed, in name order.
func (r *Runner) Run() []Result {
	if err := r.prepare(); err != nil {
		r.Log.Error("generators: cannot prepare the output directories", "error", err)
		return nil
	}
	defer r.trim()
	paths, masked := find(r.Dirs)
	for _, m := range masked {
		r.Log.Debug("generator masked", "path", m)
	}
	var procs []*running
	for _, p := range paths {
		procs = append(procs, r.start(p))
	}
	var deadline <-chan time.Time
	if r.Timeout > 0 {
		t := time.NewTimer(r.Timeout)
		defer t.Stop()
		deadline = t.C
	}
	results := make([]Result, 0, len(procs))
	for _, g := range procs {
		if g.Err == nil {
			r.wait(g, &deadline)
		}
		results = append(results, g.Result)
		r.report(g.Result)
	}
	return results
}

// start forks one generator through the reaper, its output into a pipe that is logged.
func (r *Runner) start(path string) *running {
	g := &running{Result: Result{Name: filepath.Base(path), Path: path}, exited: make(chan reaper.Exit, 1),
		output: make(chan struct{}), start: time.Now()}
	null, err := os.Open(os.DevNull)
	if err != nil {
		g.Err = err
		return g
	}
	defer null.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		g.Err = err
		return g
	}
	defer pw.Close()
	env := append(append([]string(nil), r.Env...), "SYSTEMD_SCOPE=system")
	attr := &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{null.Fd(), pw.Fd(), pw.Fd()},
		// Its own group, so that a timeout kills what it forked too; and it dies with the core.
		Sys: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
	}
	argv := []string{path, r.Out.Normal, r.Out.Early, r.Out.Late}
	g.pid, g.Err = r.Reaper.Start(func() (int, error) { return syscall.ForkExec(path, argv, attr) },
		func(e reaper.Exit) { g.exited <- e })
	if g.Err != nil {
		pr.Close()
		return g
	}
	go r.logOutput(g.Name, pr, g.output)
	return g
}

// logOutput logs each line a generator prints until every writer of the pipe has closed it.
func (r *Runner) logOutput(name string, pr *os.File, done chan struct{}) {
	defer close(done)
	defer pr.Close()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		r.Log.Info("generator output", "generator", name, "line", sc.Text())
	}
}

// wait waits for g's exit, killing its group once the deadline has passed; the deadline channel is shared by
// every generator of the run and set to nil when it has fired, so that later ones are killed at once.
func (r *Runner) wait(g *running, deadline *<-chan time.Time) {
	select {
	case g.Exit = <-g.exited:
	case <-*deadline:
		*deadline = closedChan
		g.TimedOut = true
	}
	if g.TimedOut {
		select {
		case g.Exit = <-g.exited:
			g.TimedOut = false // it ended on its own
		default:
			unix.Kill(-g.pid, unix.SIGKILL)
			g.Exit = <-g.exited
			// One that had exited before the kill, its exit not yet reaped, did not time out.
			g.TimedOut = g.Exit.Code != reaper.Exited
		}
	}
	g.Took = time.Since(g.start)
	// What it printed is logged before its result; a child it left behind holding the pipe is not waited for.
	select {
	case <-g.output:
	case <-time.After(100 * time.Millisecond):
	}
}

// closedChan is a deadline that has already passed.
var closedChan = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

func (r *Runner) report(res Result) {
	switch {
	case res.Err != nil:
		r.Log.Warn("generator could not be started, skipped", "generator", res.Path, "error", res.Err)
	case res.TimedOut:
		r.Log.Warn("generator timed out, killed and skipped", "generator", res.Path, "timeout", r.Timeout)
	case !res.OK():
		r.Log.Warn("generator failed, skipped", "generator", res.Path, "how", describe(res.Exit))
	default:
		r.Log.Debug("generator finished", "generator", res.Path, "took", res.Took)
	}
}

func describe(e reaper.Exit) string {
	if e.Code == reaper.Exited {
		return fmt.Sprintf("exited with status %d", e.Status)
	}
	return "killed by signal " + unix.SignalName(syscall.Signal(e.Status))
}
