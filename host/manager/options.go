package manager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/virt"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// The manager's run-time settings (sctl log-level, log-target, service-watchdogs; systemd's Manager properties
// LogLevel, LogTarget and ServiceWatchdogs). A value set at run time outlives daemon-reload, daemon-reexec and a
// crash of the core (checkpointed), as systemd keeps its overrides across a reexec; a restart of the system
// returns to system.conf's.

// optionsBlob names the checkpoint blob of the settings changed at run time.
const optionsBlob = "manager-options"

// runtimeOptions are the settings as changed at run time; empty: as configured.
type runtimeOptions struct {
	LogLevel          string `json:"log_level,omitempty"`
	LogTarget         string `json:"log_target,omitempty"`
	NoServiceWatchdog bool   `json:"no_service_watchdogs,omitempty"`
	// ExitCode is init's exit status when the manager exits (sctl exit N, D-Bus SetExitCode): systemd's
	// ExitCode, settable only in a container, where exit ends the container with it.
	ExitCode uint8 `json:"exit_code,omitempty"`
}

// logLevels are the names log-level takes, systemd's syslog names, and the slog level each maps to: the core has
// four levels, so notice is info and the levels above error are error.
var logLevels = map[string]slog.Level{
	"emerg": slog.LevelError, "alert": slog.LevelError, "crit": slog.LevelError, "err": slog.LevelError,
	"warning": slog.LevelWarn, "notice": slog.LevelInfo, "info": slog.LevelInfo, "debug": slog.LevelDebug,
}

// logLevelName is the name log-level prints for the core's level, systemd's.
func logLevelName(l slog.Level) string {
	switch {
	case l <= slog.LevelDebug:
		return "debug"
	case l <= slog.LevelInfo:
		return "info"
	case l <= slog.LevelWarn:
		return "warning"
	}
	return "err"
}

// logTargets are the log targets the core can write to: console is its standard error (which init hands to the
// console), kmsg the kernel log buffer, null nowhere. auto is console; journal-or-kmsg is kmsg, since the core
// never writes to the journal. journal and syslog are refused.
var logTargets = []string{"console", "kmsg", "journal-or-kmsg", "auto", "null"}

// logSink is the writer of the core's log: the log target, switched at run time.
type logSink struct {
	mu     sync.Mutex
	target string
	stderr io.Writer // the console target
	kmsg   *os.File  // opened when first needed
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.target {
	case "null":
		return len(p), nil
	case "kmsg", "journal-or-kmsg":
		if s.kmsg == nil {
			f, err := os.OpenFile("/dev/kmsg", os.O_WRONLY|syscall.O_CLOEXEC, 0)
			if err != nil {
				return s.stderr.Write(p) // no kernel log (a container): the console, as systemd falls back
			}
			s.kmsg = f
		}
		// One record a write, with its syslog priority, as systemd writes to /dev/kmsg.
		_, err := fmt.Fprintf(s.kmsg, "<%d>sysmaster[%d]: %s", kmsgPriority(p), os.Getpid(), p)
		return len(p), err
	}
	return s.stderr.Write(p)
}

// kmsgPriority is the syslog priority of a record of the core's text handler.
func kmsgPriority(p []byte) int {
	switch {
	case bytes.Contains(p, []byte("level=ERROR")):
		return 3
	case bytes.Contains(p, []byte("level=WARN")):
		return 4
	case bytes.Contains(p, []byte("level=DEBUG")):
		return 7
	}
	return 6
}

func (s *logSink) setTarget(t string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.target = t
}

func (s *logSink) targetName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.target
}

// newLogger makes the core's logger over a sink whose level and target the settings change.
func (m *Manager) newLogger(w io.Writer, level string) {
	m.logLevel = new(slog.LevelVar)
	m.logLevel.Set(logLevel(level))
	m.logSink = &logSink{target: "console", stderr: w}
	m.log = slog.New(slog.NewTextHandler(m.logSink, &slog.HandlerOptions{Level: m.logLevel, ReplaceAttr: dropTime}))
}

// SetManagerOption sets LogLevel, LogTarget, ServiceWatchdogs or ExitCode.
func (l local) SetManagerOption(ctx context.Context, name, value string) error {
	return l.m.doErr(ctx, func() error { return l.m.setOption(name, value) })
}

func (m *Manager) setOption(name, value string) error {
	switch name {
	case "LogLevel":
		lv, ok := logLevels[value]
		if !ok {
			return errdefs.InvalidArgument(fmt.Errorf("Invalid log level '%s'", value))
		}
		m.logLevel.Set(lv)
		m.options.LogLevel = value
	case "LogTarget":
		if !slices.Contains(logTargets, value) {
			return errdefs.InvalidArgument(fmt.Errorf("Invalid log target '%s' (sysmaster writes to %s)", value, strings.Join(logTargets, ", ")))
		}
		m.logSink.setTarget(value)
		m.options.LogTarget = value
	case "ServiceWatchdogs":
		on, err := unitfile.ParseBool(value)
		if err != nil {
			return errdefs.InvalidArgument(fmt.Errorf("Invalid boolean '%s'", value))
		}
		m.options.NoServiceWatchdog = !on
	case "ExitCode":
		if !virt.Container() {
			return errdefs.FailedPrecondition(errors.New("ExitCode can only be set for user service managers or in containers."))
		}
		code, err := strconv.ParseUint(value, 10, 8)
		if err != nil {
			return errdefs.InvalidArgument(fmt.Errorf("Invalid exit code '%s' (0-255)", value))
		}
		m.options.ExitCode = uint8(code)
	default:
		return errdefs.InvalidArgument(fmt.Errorf("Unknown manager setting %q", name))
	}
	m.log.Info("manager setting changed", "name", name, "value", value)
	m.reloadsDirty = true // commit the turn: the settings ride in the checkpoint
	return nil
}

// optionProperties adds LogLevel, LogTarget, ServiceWatchdogs and ExitCode to the manager's properties.
func (m *Manager) optionProperties(add func(k, v string)) {
	add("LogLevel", logLevelName(m.logLevel.Level()))
	add("LogTarget", m.logSink.targetName())
	add("ServiceWatchdogs", map[bool]string{true: "yes", false: "no"}[!m.options.NoServiceWatchdog])
	add("ExitCode", strconv.Itoa(int(m.options.ExitCode)))
}

// saveOptions and restoreOptions keep the run-time settings in the checkpoint.
func (m *Manager) saveOptions(blobs map[string][]byte) {
	blobs[optionsBlob], _ = json.Marshal(m.options)
}

func (m *Manager) restoreOptions(blobs map[string][]byte) {
	b := blobs[optionsBlob]
	if b == nil || json.Unmarshal(b, &m.options) != nil {
		return
	}
	if lv, ok := logLevels[m.options.LogLevel]; ok {
		m.logLevel.Set(lv)
	}
	if m.options.LogTarget != "" {
		m.logSink.setTarget(m.options.LogTarget)
	}
}

// watchdogIgnored reports whether the expiry of u's timer id is a service watchdog's that is not enforced now
// (service-watchdogs off), and logs systemd's line for it.
func (m *Manager) watchdogIgnored(u *Unit, id string) bool {
	if id != sdk.WatchdogTimer || !m.options.NoServiceWatchdog {
		return false
	}
	limit, _ := u.Settings.get("WatchdogUSec")
	m.unitLogf(u, 4, "%s: Watchdog disabled! Ignoring watchdog timeout (limit %s)!", u.ID, limit)
	return true
}

// kexecKernelLoaded reads the kernel's flag of a kernel loaded for kexec (kexec --load).
func kexecKernelLoaded() bool {
	b, _ := os.ReadFile("/sys/kernel/kexec_loaded")
	return strings.TrimSpace(string(b)) == "1"
}

// shutdownAction checks sctl's exit and kexec with systemd's rules. exit is systemd's ExitManager: the system
// manager may exit only in a container, where exit.target stops the units as poweroff does and init then exits
// with ExitCode. kexec needs a kernel loaded: sctl loads the default boot loader entry's first, as systemctl
// does (cmd/sctl/cli's kexec.go); without one the core refuses with systemctl's message.
func (m *Manager) shutdownAction(action string) (string, error) {
	switch action {
	case "exit":
		if !virt.Container() {
			return "", errdefs.FailedPrecondition(errors.New("ExitManager is only supported for user service managers or in containers."))
		}
	case "kexec":
		if !kexecKernelLoaded() {
			return "", errdefs.FailedPrecondition(errors.New("No kexec kernel loaded and autodetection failed. Load one with kexec --load (kexec-tools) first."))
		}
	}
	return action, nil
}
