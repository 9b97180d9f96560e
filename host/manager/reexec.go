package manager

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// Reexec is the action Run returns when the core must execute its binary anew (daemon-reexec): the caller
// (cmd/sysmaster) calls Exec. By then the state is committed, the descriptors that must outlive the process are
// in init's store and the plugins are stopped; the children stay children (the pid does not change), and the
// next image restores the checkpoint as after a crash.
const Reexec = "reexec"

// Exec replaces the process with the binary at path (the core's own, as it is on disk now: a new binary is the
// core's hot upgrade) with the same arguments. It returns only on failure.
func Exec(path string) error {
	err := syscall.Exec(path, os.Args, os.Environ())
	return fmt.Errorf("manager: re-executing %s: %w", path, err)
}

// Reexec returns once the loop has ended for the re-execution.
func (l local) Reexec(ctx context.Context) error {
	var limited error
	if err := l.m.do(ctx, func() {
		if limited = l.m.reloadLimited(); limited == nil {
			l.m.askReexec("sctl daemon-reexec")
		}
	}); err != nil {
		return err
	}
	if limited != nil {
		return limited
	}
	select {
	case <-l.m.reexecuting:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l local) Instance() string { return l.m.instance }

// askReexec makes the loop end after this turn with Reexec.
func (m *Manager) askReexec(why string) {
	m.log.Info("re-executing", "asked_by", why)
	m.reexec = true
}

// crashSignals are the signals that end a Go program with a stack dump. Sent by another process (a hung-core
// watchdog, a mistaken kill), they must not take the core down: the core logs them, with its goroutines' stacks
// for SIGQUIT and SIGABRT (what the sender wanted to see), and goes on. A real fault of the core itself is
// still a crash (the runtime does not route synchronous faults to channels), and init restarts it.
var crashSignals = []os.Signal{syscall.SIGQUIT, syscall.SIGILL, syscall.SIGABRT, syscall.SIGBUS, syscall.SIGFPE,
	syscall.SIGSEGV, syscall.SIGSYS}

// catchCrashSignals serves crashSignals on a goroutine of its own, so that a hung loop still dumps its stacks.
func (m *Manager) catchCrashSignals() func() {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, crashSignals...)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-ch:
				if sig == syscall.SIGQUIT || sig == syscall.SIGABRT {
					buf := make([]byte, 1<<20)
					buf = buf[:runtime.Stack(buf, true)]
					m.log.Warn("signal received, not dying of it; the goroutines follow", "signal", sig.String(), "stacks", string(buf))
				} else {
					m.log.Warn("signal received from another process, ignored", "signal", sig.String())
				}
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func newInstanceID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reloadLimited counts a daemon-reload or daemon-reexec against Manager.ReloadLimitIntervalSec/Burst and says
// when it is one too many.
func (m *Manager) reloadLimited() error {
	interval, burst := m.cfg.ReloadLimitInterval, m.cfg.ReloadLimitBurst
	if interval <= 0 || burst <= 0 {
		return nil
	}
	now := time.Now()
	recent := m.reloads[:0]
	for _, t := range m.reloads {
		if now.Sub(t) < interval {
			recent = append(recent, t)
		}
	}
	m.reloads = recent
	if len(recent) >= burst {
		return errdefs.Unavailable(fmt.Errorf("Reload or reexecution request rejected: %d in the last %s already (ReloadLimitBurst=%d, ReloadLimitIntervalSec=%s).",
			len(recent), interval, burst, interval))
	}
	m.reloads = append(m.reloads, now)
	m.reloadsDirty = true // a re-executed core remembers them
	return nil
}
