package manager

import (
	"bytes"

	"testing"
)

// TestLogSettings: log-level's names (systemd's syslog levels) map onto the core's four and back, a target
// switches where the log goes, and a bad value changes nothing.
func TestLogSettings(t *testing.T) {
	var out bytes.Buffer
	m := &Manager{}
	m.newLogger(&out, "info")
	for name, want := range map[string]string{"debug": "debug", "info": "info", "notice": "info", "warning": "warning",
		"err": "err", "crit": "err", "emerg": "err"} {
		if err := m.setOption("LogLevel", name); err != nil {
			t.Fatalf("LogLevel=%s: %v", name, err)
		}
		if got := logLevelName(m.logLevel.Level()); got != want {
			t.Errorf("LogLevel=%s reads back %s, want %s", name, got, want)
		}
	}
	m.setOption("LogLevel", "emerg")
	if err := m.setOption("LogLevel", "loud"); err == nil || m.options.LogLevel != "emerg" {
		t.Errorf("LogLevel=loud: %v, level now %q", err, m.options.LogLevel)
	}
	m.setOption("LogLevel", "info")
	out.Reset()
	m.log.Info("one")
	if err := m.setOption("LogTarget", "null"); err != nil {
		t.Fatal(err)
	}
	m.log.Info("two")
	m.setOption("LogTarget", "console")
	m.log.Debug("three")
	if got := out.String(); !bytes.Contains(out.Bytes(), []byte("msg=one")) || bytes.Contains(out.Bytes(), []byte("msg=two")) ||
		bytes.Contains(out.Bytes(), []byte("three")) {
		t.Errorf("log:\n%s", got)
	}
	for _, bad := range []string{"journal", "syslog", ""} {
		if err := m.setOption("LogTarget", bad); err == nil {
			t.Errorf("LogTarget=%q accepted", bad)
		}
	}
	if err := m.setOption("ServiceWatchdogs", "off"); err != nil || !m.options.NoServiceWatchdog {
		t.Errorf("ServiceWatchdogs=off: %v %+v", err, m.options)
	}
	if err := m.setOption("ServiceWatchdogs", "maybe"); err == nil || !m.options.NoServiceWatchdog {
		t.Errorf("ServiceWatchdogs=maybe: %v %+v", err, m.options)
	}
	for p, want := range map[string]int{"level=ERROR msg=x": 3, "level=WARN msg=x": 4, "level=INFO msg=x": 6, "level=DEBUG msg=x": 7} {
		if got := kmsgPriority([]byte(p)); got != want {
			t.Errorf("kmsgPriority(%q) = %d, want %d", p, got, want)
		}
	}
}
