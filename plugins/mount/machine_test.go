package mount

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// host plays the core for the mount type without processes: it keeps the state bytes and the last actions.
type host struct {
	t      *testing.T
	name   string
	config []byte
	state  []byte
	sub    string
	result string
	props  map[string]string
	acts   []sdk.Action
}

func newHost(t *testing.T, name string, lines ...string) *host {
	t.Helper()
	res := parse(name, lines...)
	if res.Failed() {
		t.Fatalf("parse: %v", res.Problems)
	}
	return &host{t: t, name: name, config: res.Config, props: map[string]string{}}
}

// parse parses "Key=Value" lines as the [Mount] section of the unit name.
func parse(name string, lines ...string) *sdk.ParseResult {
	s := &sdk.Section{Name: section}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		s.Entries = append(s.Entries, &sdk.Entry{Key: k, Value: v, File: "/etc/" + name, Line: int32(i + 2)})
	}
	return mountType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: name, Names: []string{name},
		DefaultDependencies: true, FragmentPath: "/etc/" + name}, Sections: []*sdk.Section{s}})
}

func (h *host) send(k sdk.EventKind) {
	h.t.Helper()
	u := &sdk.Unit{Name: h.name, Config: h.config, State: h.state, Runtime: &sdk.Runtime{InvocationID: "id"}}
	if err := (mountType{}).Handle(u, &sdk.Event{Kind: k}); err != nil {
		h.t.Fatal(err)
	}
	h.state, h.acts = u.State, u.Actions()
	for _, a := range h.acts {
		if s, ok := a.(*sdk.SetState); ok {
			h.sub, h.result = s.Sub, s.Result
			for k, v := range s.Properties {
				h.props[k] = v
			}
		}
	}
}

// spawned returns the argv of the one process the last event spawned, and its id.
func (h *host) spawned() (string, []string) {
	h.t.Helper()
	var out []*sdk.Spawn
	for _, a := range h.acts {
		if s, ok := a.(*sdk.Spawn); ok {
			out = append(out, s)
		}
	}
	if len(out) != 1 {
		h.t.Fatalf("want one spawn, got %v", h.acts)
	}
	if out[0].Role != sdk.RoleControl {
		h.t.Fatalf("%s is not a control process", out[0].ID)
	}
	return out[0].ID, out[0].Argv
}

func (h *host) logs() []string {
	var out []string
	for _, a := range h.acts {
		if l, ok := a.(*sdk.Log); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

func (h *host) kills() []sdk.KillAction {
	var out []sdk.KillAction
	for _, a := range h.acts {
		if k, ok := a.(*sdk.KillAction); ok {
			out = append(out, *k)
		}
	}
	return out
}

func (h *host) expect(sub, result string) {
	h.t.Helper()
	if h.sub != sub || h.result != result {
		h.t.Fatalf("state %s (%s), want %s (%s); actions %v", h.sub, h.result, sub, result, h.acts)
	}
}

func exited(id string, status int32) *sdk.EventChildExited {
	return &sdk.EventChildExited{ID: id, Role: sdk.RoleControl, Code: sdk.Exited, Status: status}
}

func TestMountAndUnmount(t *testing.T) {
	h := newHost(t, "mnt-data.mount", "What=/dev/sdb1", "Where=/mnt/data", "Type=ext4",
		"Options=noatime,nofail", "SloppyOptions=yes", "ReadWriteOnly=yes", "DirectoryMode=0700", "TimeoutSec=5s")
	h.send(&sdk.EventStart{})
	h.expect(subMounting, "success")
	id, argv := h.spawned()
	want := []string{"mount", "/dev/sdb1", "/mnt/data", "--mkdir=0700", "-s", "-w", "-t", "ext4", "-o", "noatime"}
	if id != "mount/0" || !reflect.DeepEqual(argv, want) {
		t.Fatalf("spawned %s %q, want %q", id, argv, want)
	}
	if !hasTimer(h.acts, 5e6) {
		t.Fatalf("the mount is not bounded by TimeoutSec=: %v", h.acts)
	}
	h.send(exited(id, 0))
	h.expect(subMounted, "success")

	h.send(&sdk.EventStop{})
	h.expect(subUnmounting, "success")
	id, argv = h.spawned()
	if id != "unmount/0" || !reflect.DeepEqual(argv, []string{"umount", "/mnt/data", "-c"}) {
		t.Fatalf("spawned %s %q", id, argv)
	}
	h.send(exited(id, 0))
	h.expect(subDead, "success")
}

func hasTimer(acts []sdk.Action, usec uint64) bool {
	for _, a := range acts {
		if t, ok := a.(*sdk.ArmTimer); ok && t.ID == control.DefaultTimer && t.USec == usec {
			return true
		}
	}
	return false
}

func TestMountFails(t *testing.T) {
	h := newHost(t, "mnt-x.mount", "What=/dev/nothing", "Where=/mnt/x")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(exited(id, 32))
	h.expect(subFailed, "exit-code")
	if l := h.logs(); len(l) != 2 || l[0] != "Mount process exited, code=exited, status=32/32" || l[1] != "Failed with result 'exit-code'." {
		t.Fatalf("logs %q", l)
	}
	h.send(&sdk.EventResetFailed{})
	h.expect(subDead, "success")
}

func TestUnmountFailsStaysMounted(t *testing.T) {
	h := newHost(t, "mnt-x.mount", "What=tmpfs", "Where=/mnt/x", "Type=tmpfs", "LazyUnmount=yes", "ForceUnmount=yes")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(exited(id, 0))
	h.send(&sdk.EventStop{})
	id, argv := h.spawned()
	if !reflect.DeepEqual(argv, []string{"umount", "/mnt/x", "-c", "-l", "-f"}) {
		t.Fatalf("umount %q", argv)
	}
	h.send(exited(id, 32)) // target is busy
	h.expect(subMounted, "exit-code")
}

func TestMountTimesOut(t *testing.T) {
	h := newHost(t, "mnt-x.mount", "What=server:/x", "Where=/mnt/x", "Type=nfs", "TimeoutSec=3")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(&sdk.EventTimerFired{ID: control.DefaultTimer})
	h.expect(subUnmountingSigterm, "timeout")
	if k := h.kills(); len(k) != 1 || k[0].Signal != 15 || k[0].Whom != sdk.WhomAll {
		t.Fatalf("kills %v", k)
	}
	h.send(&sdk.EventTimerFired{ID: control.DefaultTimer})
	h.expect(subUnmountingSigkill, "timeout")
	if k := h.kills(); len(k) != 1 || k[0].Signal != 9 || !hasTimer(h.acts, 3e6) {
		t.Fatalf("kills %v, timer armed for the SIGKILL state: %v", k, hasTimer(h.acts, 3e6))
	}
	h.send(&sdk.EventChildExited{ID: id, Role: sdk.RoleControl, Code: sdk.Killed, Status: 9})
	h.expect(subFailed, "timeout")
}

func TestStopWhileMounting(t *testing.T) {
	h := newHost(t, "mnt-x.mount", "What=server:/x", "Where=/mnt/x", "Type=nfs")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(&sdk.EventStop{})
	h.expect(subUnmountingSigterm, "success")
	h.send(&sdk.EventChildExited{ID: id, Role: sdk.RoleControl, Code: sdk.Killed, Status: 15})
	h.expect(subFailed, "signal")
}

func TestRemount(t *testing.T) {
	h := newHost(t, "mnt-x.mount", "What=tmpfs", "Where=/mnt/x", "Type=tmpfs", "Options=size=1M,nofail")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(exited(id, 0))
	h.send(&sdk.EventReload{})
	h.expect(subRemounting, "success")
	id, argv := h.spawned()
	if want := []string{"mount", "tmpfs", "/mnt/x", "-o", "remount,size=1M", "-t", "tmpfs"}; id != "remount/0" || !reflect.DeepEqual(argv, want) {
		t.Fatalf("remount %s %q, want %q", id, argv, want)
	}
	h.send(exited(id, 1))
	h.expect(subMounted, "success")
	if h.props["ReloadResult"] != "exit-code" {
		t.Fatalf("ReloadResult %q", h.props["ReloadResult"])
	}

	// A remount that hangs is killed; the mount stays and only the reload failed.
	h.send(&sdk.EventReload{})
	id, _ = h.spawned()
	h.send(&sdk.EventTimerFired{ID: control.DefaultTimer})
	h.expect(subRemountingSigterm, "success")
	h.send(&sdk.EventChildExited{ID: id, Role: sdk.RoleControl, Code: sdk.Killed, Status: 15})
	h.expect(subMounted, "success")
	if h.props["ReloadResult"] != "timeout" {
		t.Fatalf("ReloadResult %q", h.props["ReloadResult"])
	}
}

// TestMountTable follows MountChanged as systemd follows /proc/self/mountinfo.
func TestMountTable(t *testing.T) {
	h := newHost(t, "mnt-x.mount", "What=tmpfs", "Where=/mnt/x", "Type=tmpfs")
	h.send(&sdk.EventMountChanged{Where: "/mnt/x", What: "tmpfs", FSType: "tmpfs", Mounted: true})
	h.expect(subMounted, "success")
	h.send(&sdk.EventStart{}) // already there: nothing to run
	h.expect(subMounted, "success")
	for _, a := range h.acts {
		if _, ok := a.(*sdk.Spawn); ok {
			t.Fatalf("a start of a mounted mount ran %v", a)
		}
	}
	h.send(&sdk.EventMountChanged{Where: "/mnt/x", Mounted: false})
	h.expect(subDead, "success")

	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(&sdk.EventMountChanged{Where: "/mnt/x", Mounted: true})
	h.expect(subMountingDone, "success")
	h.send(exited(id, 0))
	h.expect(subMounted, "success")
}

func TestRootIsNeverUnmounted(t *testing.T) {
	h := newHost(t, "-.mount", "What=/dev/vda1", "Where=/", "Type=ext4")
	h.send(&sdk.EventStart{})
	h.expect(subMounted, "success")
	h.send(&sdk.EventStop{})
	h.expect(subDead, "success")
	for _, a := range h.acts {
		if _, ok := a.(*sdk.Spawn); ok {
			t.Fatalf("stopping -.mount ran %v", a)
		}
	}
}

// TestStartWhileUnmounting: a start that comes during the umount runs mount once the umount is over, without
// passing through dead.
func TestStartWhileUnmounting(t *testing.T) {
	h := newHost(t, "mnt-x.mount", "What=tmpfs", "Where=/mnt/x", "Type=tmpfs")
	h.send(&sdk.EventStart{})
	id, _ := h.spawned()
	h.send(exited(id, 0))
	h.send(&sdk.EventStop{})
	id, _ = h.spawned()
	h.send(&sdk.EventStart{})
	h.expect(subUnmounting, "success")
	for _, a := range h.acts {
		if _, ok := a.(*sdk.Spawn); ok {
			t.Fatalf("a start during the umount ran %v", a)
		}
	}
	h.send(exited(id, 0))
	h.expect(subMounting, "success")
	for _, a := range h.acts {
		if s, ok := a.(*sdk.SetState); ok && s.Sub != subMounting {
			t.Fatalf("passed through %s", s.Sub)
		}
	}
	id, _ = h.spawned()
	if id != "mount/0" {
		t.Fatalf("spawned %s", id)
	}
}
