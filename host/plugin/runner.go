package plugin

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"github.com/hashicorp/go-plugin/runner"
	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/reaper"
)

// procRunner is a go-plugin runner whose process is started through the core's reaper and whose exit comes from
// it; go-plugin's own runner would call exec.Cmd.Wait, a second waiter.
type procRunner struct {
	cmd    *exec.Cmd
	reaper *reaper.Reaper
	pid    int
	stdout *os.File
	stderr *os.File
	exited chan struct{}
	exit   reaper.Exit
	onExit func(reaper.Exit)
}

var _ runner.Runner = (*procRunner)(nil)

func (r *procRunner) Start(context.Context) error {
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return err
	}
	defer outW.Close()
	defer errW.Close()
	r.cmd.Stdin = nil
	r.cmd.Stdout, r.cmd.Stderr = outW, errW
	// The plugin must not outlive the core: a new core starts its own, and it holds nothing worth keeping.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r.exited = make(chan struct{})
	pid, err := r.reaper.Start(func() (int, error) {
		if err := r.cmd.Start(); err != nil {
			return 0, err
		}
		return r.cmd.Process.Pid, nil
	}, func(e reaper.Exit) {
		r.exit = e
		close(r.exited)
		if r.onExit != nil {
			r.onExit(e)
		}
	})
	if err != nil {
		outR.Close()
		errR.Close()
		return err
	}
	r.pid = pid
	r.stdout, r.stderr = outR, errR
	return nil
}

func (r *procRunner) Wait(ctx context.Context) error {
	select {
	case <-r.exited:
	case <-ctx.Done():
		return ctx.Err()
	}
	// The reaper has collected the process; only the pidfd os/exec opened is left to close.
	r.cmd.Process.Release()
	if r.exit.Code == reaper.Exited && r.exit.Status == 0 {
		return nil
	}
	return fmt.Errorf("%s", describeExit(r.exit))
}

func (r *procRunner) Kill(context.Context) error {
	// go-plugin also calls Kill when Start failed: there is no process then, and kill(0) would hit the core's
	// own process group.
	if r.pid <= 0 || r.exited == nil {
		return nil
	}
	select {
	case <-r.exited:
		return nil
	default:
	}
	if err := unix.Kill(r.pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
		return err
	}
	return nil
}

func (r *procRunner) Stdout() io.ReadCloser           { return r.stdout }
func (r *procRunner) Stderr() io.ReadCloser           { return r.stderr }
func (r *procRunner) Name() string                    { return r.cmd.Path }
func (r *procRunner) ID() string                      { return strconv.Itoa(r.pid) }
func (r *procRunner) Diagnose(context.Context) string { return "" }

func (r *procRunner) PluginToHost(n, a string) (string, string, error) { return n, a, nil }
func (r *procRunner) HostToPlugin(n, a string) (string, string, error) { return n, a, nil }

func describeExit(e reaper.Exit) string {
	switch e.Code {
	case reaper.Exited:
		return fmt.Sprintf("exited with status %d", e.Status)
	case reaper.Dumped:
		return fmt.Sprintf("killed by signal %s (core dumped)", unix.SignalName(syscall.Signal(e.Status)))
	default:
		return fmt.Sprintf("killed by signal %s", unix.SignalName(syscall.Signal(e.Status)))
	}
}
