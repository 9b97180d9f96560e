package system

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// props returns properties of several units with one sctl call: unit → property → value. It never fails the
// test (it may be called from any goroutine); a failing sctl gives an empty map.
func props(s *harness.System, units []string, names ...string) map[string]map[string]string {
	out, _, code := s.Sctl(append([]string{"show", "-p", "Id," + strings.Join(names, ",")}, units...)...)
	res := map[string]map[string]string{}
	if code != 0 {
		return res
	}
	for _, block := range strings.Split(out, "\n\n") {
		m := map[string]string{}
		for _, line := range strings.Split(block, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				m[k] = v
			}
		}
		if m["Id"] != "" {
			res[m["Id"]] = m
		}
	}
	return res
}

// unitLogs is `sctl logs UNIT`, for failure messages.
func unitLogs(s *harness.System, unit string) string {
	out, errs, _ := s.Sctl("logs", unit)
	return out + errs
}

// inSystem is path as seen from the test, inside the system's mount namespace (its /run is its own tmpfs).
func inSystem(s *harness.System, path string) string {
	return filepath.Join("/proc", strconv.Itoa(s.InitPid), "root", path)
}

// execCheck is what the test does around one unit of testdata/exec beyond starting it.
type execCheck struct {
	pre  func(t *testing.T, s *harness.System)
	post func(t *testing.T, s *harness.System)
}

func writeInSystem(t *testing.T, s *harness.System, path, content string) {
	t.Helper()
	p := inSystem(s, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantFile(t *testing.T, s *harness.System, path, want string) {
	t.Helper()
	if got, err := s.ReadFile(path); err != nil || got != want {
		t.Errorf("%s: %q (%v), want %q", path, got, err, want)
	}
}

// The host directories StateDirectory= and LogsDirectory= of testdata/exec/dirs.service create: /var is not
// private to the system.
var execHostDirs = []string{"/var/lib/sysmaster-exec-test-state", "/var/log/sysmaster-exec-test-logs",
	"/var/lib/sysmaster-exec-test-sandbox"}

const privateMarker = "/tmp/sysmaster-exec-private-marker"

var execChecks = map[string]execCheck{
	"stdout-file.service": {
		pre: func(t *testing.T, s *harness.System) { writeInSystem(t, s, "/run/exec-out/file.out", "0123456789\n") },
		// file: does not truncate: "new\n" overwrites the first four bytes.
		post: func(t *testing.T, s *harness.System) { wantFile(t, s, "/run/exec-out/file.out", "new\n456789\n") },
	},
	"stdout-append.service": {
		pre: func(t *testing.T, s *harness.System) { writeInSystem(t, s, "/run/exec-out/append.out", "first\n") },
		post: func(t *testing.T, s *harness.System) {
			wantFile(t, s, "/run/exec-out/append.out", "first\nappended\nto-stderr\n")
		},
	},
	"stdout-truncate.service": {
		pre: func(t *testing.T, s *harness.System) {
			writeInSystem(t, s, "/run/exec-out/truncate.out", "an old and much longer content\n")
		},
		post: func(t *testing.T, s *harness.System) { wantFile(t, s, "/run/exec-out/truncate.out", "truncated\n") },
	},
	"dirs.service": {
		post: func(t *testing.T, s *harness.System) {
			// StateDirectory= stays, with what the service wrote. (That RuntimeDirectory= goes when the unit
			// stops is TestRuntimeDirectoryRemoved.)
			if _, err := s.ReadFile("/var/lib/sysmaster-exec-test-state/w"); err != nil {
				t.Errorf("StateDirectory= lost what the service wrote: %v", err)
			}
		},
	},
	"sandbox-network-shared.service": {
		// The kept namespace goes with the unit.
		post: func(t *testing.T, s *harness.System) {
			gone := s.WaitFor(10*time.Second, func() bool {
				m, _ := filepath.Glob(inSystem(s, "/run/sysmaster/namespaces/*-sandbox-network-shared.service.net"))
				return len(m) == 0
			})
			if !gone {
				t.Errorf("the network namespace of sandbox-network-shared.service is kept after the unit went down")
			}
		},
	},
	"private-tmp.service": {
		post: func(t *testing.T, s *harness.System) {
			if _, err := s.ReadFile(privateMarker); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s written with PrivateTmp= is visible in the system's /tmp (%v)", privateMarker, err)
			}
		},
	},
}

// expectations reads "# expect: KEY=VALUE ..." lines of a unit file; without any, the unit must end inactive
// with Result=success.
func expectations(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "# expect:"); ok {
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				want[k] = v
			}
		}
	}
	if len(want) == 0 {
		want = map[string]string{"ActiveState": "inactive", "Result": "success"}
	}
	return want
}

// Every unit of testdata/exec asserts one systemd.exec setting from inside its process with its exit status:
// each is started and must end as its "# expect:" line says (inactive and successful without one). A failure
// shows the unit's log, where the command printed what it saw.
func TestExecConformance(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/exec/*.service")
	if len(files) < 20 {
		t.Fatalf("testdata/exec holds %d units", len(files))
	}
	units := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		units[filepath.Base(f)] = string(b)
	}
	cleanHost := func() {
		for _, d := range execHostDirs {
			os.RemoveAll(d)
		}
		os.Remove(privateMarker)
		// PrivateTmp= directories a failed run may leave (TestRuntimeDirectoryRemoved checks the normal case).
		for _, pat := range []string{"/tmp/sysmaster-private-*-private-tmp.service", "/var/tmp/sysmaster-private-*-private-tmp.service"} {
			dirs, _ := filepath.Glob(pat)
			for _, d := range dirs {
				os.RemoveAll(d)
			}
		}
	}
	cleanHost()
	t.Cleanup(cleanHost)
	s := harness.Start(t, harness.Options{Units: units})
	s.WriteFile("exec.env", "# a comment\n\nFROMFILE=from file\nQUOTED=\"a  b\"\n; another comment\n")
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	sort.Strings(names)
	var mu sync.Mutex
	timings := map[string]time.Duration{}
	t.Run("units", func(t *testing.T) {
		for i, name := range names {
			name, file := name, files[i]
			t.Run(strings.TrimSuffix(name, ".service"), func(t *testing.T) {
				t.Parallel()
				want := expectations(t, filepath.Join("testdata/exec", name))
				chk := execCheck{}
				if c, ok := execChecks[name]; ok {
					chk = c
				}
				if chk.pre != nil {
					chk.pre(t, s)
				}
				t0 := time.Now()
				_, errs, code := s.Sctl("start", name)
				mu.Lock()
				timings[name] = time.Since(t0)
				mu.Unlock()
				var got map[string]string
				settled := s.WaitFor(10*time.Second, func() bool {
					got = props(s, []string{name}, "ActiveState", "SubState", "Result", "ExecMainStatus")[name]
					return got["ActiveState"] == "inactive" || got["ActiveState"] == "failed"
				})
				bad := !settled || (code == 0) != (want["ActiveState"] != "failed")
				for k, v := range want {
					if got[k] != v {
						bad = true
					}
				}
				if bad {
					t.Errorf("%s: start exit %d %s; got %v, want %v; log:\n%s", file, code, strings.TrimSpace(errs), got, want, unitLogs(s, name))
					return
				}
				if chk.post != nil {
					chk.post(t, s)
				}
			})
		}
	})
	t.Logf("start times: %v", timings)
}
