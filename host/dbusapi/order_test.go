package dbusapi

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/job"
)

// orderCore is a core whose start of a job ends it at once: JobNew and JobRemoved are announced before Enqueue
// returns, as when the loop runs the job's turn before the D-Bus worker gets the answer. Enqueue returns only once
// an observer connection has had both signals (and the next event), so that they have gone to every connection.
type orderCore struct {
	api.Core
	q        *api.EventQueue
	observed chan struct{}
}

func (f *orderCore) Watch(context.Context) (*api.EventQueue, error) { return f.q, nil }
func (f *orderCore) Enqueue(_ context.Context, units []string, t job.Type, _ job.Mode, _ bool) ([]api.JobInfo, error) {
	f.q.Push(api.Event{Kind: api.JobNew, JobID: 7, JobType: t.String(), Unit: units[0]})
	f.q.Push(api.Event{Kind: api.JobRemoved, JobID: 7, JobType: t.String(), Unit: units[0], Result: "done"})
	f.q.Push(api.Event{Kind: api.UnitFilesChanged})
	<-f.observed
	return []api.JobInfo{{ID: 7, Unit: units[0], Type: t.String()}}, nil
}

// The answer to StartUnit reaches its caller before the JobNew and JobRemoved of its job, however late the worker
// gets it: systemctl ignores a JobRemoved of a job it does not know yet and then waits for it forever.
func TestAnswerBeforeSignals(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "private")
	core := &orderCore{q: api.NewEventQueue(), observed: make(chan struct{})}
	srv, err := Listen(core, Options{PrivateSocket: sock})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	// dial connects; the messages it receives are told to got, in the order they came.
	dial := func(got chan<- *dbus.Message) *dbus.Conn {
		c, err := dbus.Dial("unix:path="+sock, dbus.WithIncomingInterceptor(func(m *dbus.Message) {
			if m.Type != dbus.TypeMethodReply || m.Headers[dbus.FieldSignature].Value() == dbus.SignatureOf(dbus.ObjectPath("")) {
				got <- m
			}
		}))
		if err == nil {
			err = c.Auth(nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	seen, got := make(chan *dbus.Message, 10), make(chan *dbus.Message, 10)
	observer := dial(seen)
	defer observer.Close()
	caller := dial(got)
	defer caller.Close()
	// Both connections are served before the burst of events.
	for _, c := range []*dbus.Conn{observer, caller} {
		if err := c.Object(busName, managerPath).Call("org.freedesktop.DBus.Peer.Ping", 0).Err; err != nil {
			t.Fatal(err)
		}
	}
	go func() {
		for m := range seen {
			if m.Headers[dbus.FieldMember].Value() == "UnitFilesChanged" {
				close(core.observed)
				return
			}
		}
	}()
	call := caller.Object(busName, managerPath).Go(managerIface+".StartUnit", 0, nil, "web.service", "replace")
	var order []string
	for len(order) < 3 {
		select {
		case m := <-got:
			if m.Type == dbus.TypeMethodReply {
				order = append(order, "answer")
			} else {
				order = append(order, m.Headers[dbus.FieldMember].Value().(string))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("messages: %v", order)
		}
	}
	if <-call.Done; call.Err != nil {
		t.Fatal(call.Err)
	}
	if want := "answer JobNew JobRemoved"; strings.Join(order, " ") != want {
		t.Errorf("the caller got %v, want %s", order, want)
	}
}
