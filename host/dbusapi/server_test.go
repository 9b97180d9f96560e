package dbusapi

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// fakeCore is a core with one loaded unit, web.service, that records the jobs it is asked for. The methods the
// tests do not reach are the embedded nil interface's (they would panic).
type fakeCore struct {
	api.Core
	enqueued []string
	frozen   []string
}

func (f *fakeCore) Show(_ context.Context, units []string) ([]api.UnitProperties, []string, error) {
	load := "not-found"
	if units[0] == "web.service" {
		load = "loaded"
	}
	return []api.UnitProperties{{Unit: units[0], Properties: api.Properties{{Name: "LoadState", Value: load}}}}, nil, nil
}
func (f *fakeCore) Freeze(_ context.Context, units []string, thaw bool) error {
	f.frozen = append(f.frozen, map[bool]string{false: "freeze ", true: "thaw "}[thaw]+strings.Join(units, " "))
	return nil
}

func (f *fakeCore) Watch(context.Context) (*api.EventQueue, error) { return api.NewEventQueue(), nil }
func (f *fakeCore) ListUnits(context.Context, api.UnitFilter) ([]api.UnitStatus, error) {
	return []api.UnitStatus{{Name: "web.service", LoadState: "loaded", ActiveState: "active", SubState: "running"}}, nil
}
func (f *fakeCore) LoadedUnit(_ context.Context, name string) (*api.UnitStatus, error) {
	if name != "web.service" {
		return nil, nil
	}
	return &api.UnitStatus{Name: name, LoadState: "loaded", ActiveState: "active", SubState: "running"}, nil
}
func (f *fakeCore) Enqueue(_ context.Context, units []string, t job.Type, _ job.Mode, _ bool) ([]api.JobInfo, error) {
	if units[0] != "web.service" {
		return nil, errdefs.NotFound(fmt.Errorf("Unit %s not found.", units[0]))
	}
	f.enqueued = append(f.enqueued, t.String()+" "+units[0])
	return []api.JobInfo{{ID: 7, Unit: units[0], Type: t.String()}}, nil
}

// The private socket's rule is the control socket's: the peer's uid from SO_PEERCRED decides, root may do all,
// others only read. (sysmaster's socket is root's only, as systemd's; the test opens it to check the rule
// behind it.)
func TestPrivateSocketAccess(t *testing.T) {
	for _, p := range []string{"/usr/bin/busctl", "/usr/bin/setpriv"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is needed: %v", p, err)
		}
	}
	if os.Getuid() != 0 {
		t.Fatal("the test runs as root: it calls as root and as uid 65534")
	}
	dir, err := os.MkdirTemp("", "dbusapi-test") // not t.TempDir: its parent is root's only
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "private")
	core := &fakeCore{}
	srv, err := Listen(core, Options{PrivateSocket: sock})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	for _, p := range []string{dir, sock} {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	call := func(uid string, args ...string) (string, error) {
		argv := []string{"/usr/bin/busctl", "--address=unix:path=" + sock, "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			"org.freedesktop.systemd1.Manager"}
		if uid != "0" {
			argv = append([]string{"/usr/bin/setpriv", "--reuid", uid, "--regid", uid, "--clear-groups"}, argv...)
		}
		out, err := exec.Command(argv[0], append(argv[1:], args...)...).CombinedOutput()
		return string(out), err
	}
	for _, c := range []struct {
		uid     string
		args    []string
		ok      bool
		contain string
	}{
		{"65534", []string{"GetUnit", "s", "web.service"}, true, "web_2eservice"},
		{"65534", []string{"StartUnit", "ss", "web.service", "replace"}, false, "Access denied"},
		{"65534", []string{"Reload"}, false, "Access denied"},
		{"0", []string{"StartUnit", "ss", "web.service", "replace"}, true, "/org/freedesktop/systemd1/job/7"},
		{"0", []string{"StartUnit", "ss", "web.service", "sideways"}, false, "Job mode sideways invalid"},
		{"0", []string{"StartUnit", "s", "web.service"}, false, "expecting 'ss'"},
		{"0", []string{"StartUnit", "ss", "nothere.service", "replace"}, false, "Unit nothere.service not found."},
		{"0", []string{"GetUnit", "s", "other.service"}, false, "Unit other.service not loaded."},
		{"0", []string{"Dump"}, false, "not supported by sysmaster"},
		{"65534", []string{"FreezeUnit", "s", "web.service"}, false, "Access denied"},
		{"65534", []string{"RefUnit", "s", "web.service"}, false, "Access denied"},
		{"0", []string{"FreezeUnit", "s", "web.service"}, true, ""},
		{"0", []string{"ThawUnit", "s", "nothere.service"}, false, "Unit nothere.service not found."},
	} {
		out, err := call(c.uid, c.args...)
		if (err == nil) != c.ok || !strings.Contains(out, c.contain) {
			t.Errorf("uid %s %v: %v %q, want ok=%v and %q", c.uid, c.args, err, out, c.ok, c.contain)
		}
	}
	if strings.Join(core.frozen, ",") != "freeze web.service" {
		t.Errorf("freezes: %v, want root's one", core.frozen)
	}
	if strings.Join(core.enqueued, ",") != "start web.service" {
		t.Errorf("jobs enqueued: %v, want root's one start", core.enqueued)
	}
}
