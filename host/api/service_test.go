package api

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// fakeCore records what reached it; the methods a case does not use panic (the embedded nil Core).
type fakeCore struct {
	Core
	calls []string
	mode  job.Mode
	typ   job.Type
}

func (f *fakeCore) Kill(_ context.Context, units []string, whom string, sig int32) error {
	f.calls = append(f.calls, "kill "+whom)
	return nil
}

func (f *fakeCore) Enqueue(_ context.Context, units []string, t job.Type, mode job.Mode, _ bool) ([]JobInfo, error) {
	f.typ, f.mode = t, mode
	return []JobInfo{{ID: 7, Unit: units[0], Type: t.String()}}, nil
}

func (f *fakeCore) Show(ctx context.Context, _ []string) ([]UnitProperties, []string, error) {
	for _, n := range []string{"CanStart", "UnitFileState"} {
		if Wanted(ctx, n) {
			f.calls = append(f.calls, "wanted "+n)
		}
	}
	var p Properties
	p.Add("Id", "a.service")
	p.Add("Description", "")
	p.Bool("CanStart", true)
	return []UnitProperties{{Unit: "a.service", Properties: p}}, nil, nil
}

func TestServiceTranslates(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func(s *service) error
		// invalid says the request is refused as InvalidArgument before it reaches the core.
		invalid bool
		check   func(t *testing.T, f *fakeCore)
	}{
		{name: "kill whom defaults to all", call: func(s *service) error {
			_, err := s.Kill(ctx, &controlv1.KillRequest{Units: []string{"a.service"}})
			return err
		}, check: func(t *testing.T, f *fakeCore) {
			if !slices.Equal(f.calls, []string{"kill all"}) {
				t.Errorf("calls %v", f.calls)
			}
		}},
		{name: "kill whom unknown", invalid: true, call: func(s *service) error {
			_, err := s.Kill(ctx, &controlv1.KillRequest{Whom: "everyone"})
			return err
		}},
		{name: "kill signal out of range", invalid: true, call: func(s *service) error {
			_, err := s.Kill(ctx, &controlv1.KillRequest{Signal: 65})
			return err
		}},
		{name: "isolate is a start in isolate mode", call: func(s *service) error {
			_, err := s.Enqueue(ctx, &controlv1.EnqueueRequest{Units: []string{"x.target"}, Type: "isolate", Mode: "replace"})
			return err
		}, check: func(t *testing.T, f *fakeCore) {
			if f.typ != job.Start || f.mode != job.Isolate {
				t.Errorf("enqueued %s in mode %v", f.typ, f.mode)
			}
		}},
		{name: "unknown job mode", invalid: true, call: func(s *service) error {
			_, err := s.Enqueue(ctx, &controlv1.EnqueueRequest{Units: []string{"x.target"}, Type: "start", Mode: "sideways"})
			return err
		}},
		{name: "reload-plugin of a path that is not absolute", invalid: true, call: func(s *service) error {
			_, err := s.ReloadPlugin(ctx, &controlv1.ReloadPluginRequest{Type: "service", Path: "bin/service"})
			return err
		}},
		{name: "show tells the core which properties are wanted", call: func(s *service) error {
			_, err := s.Show(ctx, &controlv1.ShowRequest{Units: []string{"a.service"}, Properties: []string{"CanStart"}})
			return err
		}, check: func(t *testing.T, f *fakeCore) {
			if !slices.Equal(f.calls, []string{"wanted CanStart"}) {
				t.Errorf("calls %v", f.calls)
			}
		}},
		{name: "show without names wants every property", call: func(s *service) error {
			_, err := s.Show(ctx, &controlv1.ShowRequest{Units: []string{"a.service"}, All: true})
			return err
		}, check: func(t *testing.T, f *fakeCore) {
			if !slices.Equal(f.calls, []string{"wanted CanStart", "wanted UnitFileState"}) {
				t.Errorf("calls %v", f.calls)
			}
		}},
		{name: "show leaves out empty properties unless asked", call: func(s *service) error {
			resp, err := s.Show(ctx, &controlv1.ShowRequest{Units: []string{"a.service"}})
			if err == nil && len(resp.Units[0].Properties) != 2 {
				return errors.New("empty Description shown")
			}
			resp, err = s.Show(ctx, &controlv1.ShowRequest{Units: []string{"a.service"}, Properties: []string{"CanStart", "Description"}})
			if err == nil && (len(resp.Units[0].Properties) != 2 || resp.Units[0].Properties[0].Value != "yes") {
				return errors.New("named properties not in the order asked")
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCore{}
			err := tc.call(&service{core: f})
			switch {
			case tc.invalid && !errdefs.IsInvalidArgument(err):
				t.Fatalf("error %v, want InvalidArgument", err)
			case tc.invalid && len(f.calls) > 0:
				t.Fatalf("a refused request reached the core: %v", f.calls)
			case !tc.invalid && err != nil:
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}
