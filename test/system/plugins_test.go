package system

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

const helloRun = "[Unit]\nDescription=Hello\n\n[Run]\nCommand=/bin/sh -c \"echo hello > /run/hello.out\"\nRemainAfterExit=yes\n"

func sha(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// A unit type written against the public SDK only is launched the first time one of its units is loaded.
func TestThirdPartyTypeLoadedOnDemand(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\nSHA256 = \"" + sha(t, run) + "\"\n",
		Units:  map[string]string{"hello.run": helloRun},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if out, _, _ := s.Sctl("list-plugins"); !strings.Contains(rowOf(out, "run"), "not loaded") {
		t.Fatalf("run plugin loaded before any .run unit was:\n%s", out)
	}
	if _, errs, code := s.Sctl("start", "hello.run"); code != 0 {
		t.Fatalf("start hello.run: exit %d: %s\n%s", code, errs, s.Console())
	}
	// The run type is active once its command started, exited once it ended.
	if !s.WaitFor(5*time.Second, func() bool { return s.Show("hello.run", "SubState") == "exited" }) {
		t.Errorf("hello.run: %s (%s)", s.Show("hello.run", "ActiveState"), s.Show("hello.run", "SubState"))
	}
	b, err := os.ReadFile("/proc/" + itoa(s.InitPid) + "/root/run/hello.out")
	if err != nil || string(b) != "hello\n" {
		t.Errorf("the command did not run: %q %v", b, err)
	}
	out, _, _ := s.Sctl("list-plugins")
	if row := rowOf(out, "run"); !strings.Contains(row, " loaded") || strings.Contains(row, "not loaded") {
		t.Errorf("run plugin not shown loaded:\n%s", out)
	}
	if _, errs, code := s.Sctl("stop", "hello.run"); code != 0 || s.Show("hello.run", "ActiveState") != "inactive" {
		t.Errorf("stop hello.run: exit %d %s, state %s", code, errs, s.Show("hello.run", "ActiveState"))
	}
}

func TestPluginWithWrongPinIsRefused(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	wrong := strings.Repeat("0", 64)
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\nSHA256 = \"" + wrong + "\"\n",
		Units:  map[string]string{"hello.run": helloRun},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	_, errs, code := s.Sctl("start", "hello.run")
	if code == 0 || !strings.Contains(errs, "pins "+wrong) || !strings.Contains(errs, sha(t, run)) {
		t.Errorf("start with a wrong pin: exit %d, %q", code, errs)
	}
	if le := s.Show("hello.run", "LoadError"); !strings.Contains(le, "refusing to launch") {
		t.Errorf("LoadError = %q", le)
	}
	// Not loaded: no pid, and the state says the launch failed, and why.
	if out, _, _ := s.Sctl("list-plugins"); !hasRow(rowOf(out, "run"), "run", run, sha(t, run)[:12], "-") ||
		!strings.Contains(rowOf(out, "run"), "failed (plugin run:") {
		t.Errorf("a refused plugin shows as loaded:\n%s", out)
	}
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("the rest of the system suffered: multi-user.target %s", st)
	}
}

func TestPluginOfAnotherProtocolVersionIsRefused(t *testing.T) {
	t.Parallel()
	other := harness.BuildPlugin(t, "test/system/testdata/otherproto", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.other]\nPath = \"" + other + "\"\n",
		Units:  map[string]string{"x.other": "[Unit]\nDescription=X\n"},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	_, errs, code := s.Sctl("start", "x.other")
	if code == 0 || !strings.Contains(errs, "protocol version") || !strings.Contains(errs, "1") || !strings.Contains(errs, "2") {
		t.Errorf("start with another protocol: exit %d, %q", code, errs)
	}
	if le := s.Show("x.other", "LoadError"); !strings.Contains(le, "speaks protocol version 1") {
		t.Errorf("LoadError = %q", le)
	}
}
