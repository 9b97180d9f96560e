package api

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// fakeCore records what reached it; the methods a case does not use panic (the embedded nil Core).
type fakeCore struct {
	Core
	calls  []string
	wanted []string // the properties Show was told are wanted (Wanted)
	mode   job.Mode
	typ    job.Type
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
	f.calls = append(f.calls, "show")
	for _, n := range []string{"CanStart", "UnitFileState"} {
		if Wanted(ctx, n) {
			f.wanted = append(f.wanted, n)
		}
	}
	var p Properties
	p.Add("Id", "a.service")
	p.Add("Description", "")
	p.Bool("CanStart", true)
	return []UnitProperties{{Unit: "a.service", Properties: p}}, nil, nil
}

// LoadedUnit knows a.service, also by the alias alias.service.
func (f *fakeCore) LoadedUnit(_ context.Context, name string) (*UnitStatus, error) {
	f.calls = append(f.calls, "loaded "+name)
	if name != "a.service" && name != "alias.service" {
		return nil, nil
	}
	return &UnitStatus{Name: "a.service", Description: "A", LoadState: "loaded", ActiveState: "active", SubState: "running"}, nil
}

// A Show of the states a list-units line holds is answered from that line; anything else computes the units'
// properties.
func TestShowOfStatesReadsTheListUnitsLine(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		units      []string
		props      []string
		calls      []string
		unit, want string // the first unit's id and its properties' values, joined by commas
	}{
		{"is-active", []string{"a.service"}, []string{"ActiveState"}, []string{"loaded a.service"}, "a.service", "active"},
		{"by an alias", []string{"alias.service"}, []string{"SubState", "Id", "LoadState", "Description"},
			[]string{"loaded alias.service"}, "a.service", "running,a.service,loaded,A"},
		{"another property", []string{"a.service"}, []string{"ActiveState", "CanStart"}, []string{"show"}, "a.service", "yes"},
		{"every property", []string{"a.service"}, nil, []string{"show"}, "a.service", "a.service,yes"},
		{"a unit not loaded", []string{"a.service", "b.service"}, []string{"ActiveState"},
			[]string{"loaded a.service", "loaded b.service", "show"}, "a.service", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCore{}
			resp, err := (&service{core: f}).Show(ctx, &controlv1.ShowRequest{Units: tc.units, Properties: tc.props})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.calls, tc.calls) {
				t.Errorf("calls %q, want %q", f.calls, tc.calls)
			}
			var vals []string
			for _, p := range resp.Units[0].Properties {
				vals = append(vals, p.Value)
			}
			if resp.Units[0].Unit != tc.unit || strings.Join(vals, ",") != tc.want {
				t.Errorf("answered %s %q, want %s %q", resp.Units[0].Unit, vals, tc.unit, tc.want)
			}
		})
	}
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
			if !slices.Equal(f.wanted, []string{"CanStart"}) {
				t.Errorf("wanted %v", f.wanted)
			}
		}},
		{name: "show without names wants every property", call: func(s *service) error {
			_, err := s.Show(ctx, &controlv1.ShowRequest{Units: []string{"a.service"}, All: true})
			return err
		}, check: func(t *testing.T, f *fakeCore) {
			if !slices.Equal(f.wanted, []string{"CanStart", "UnitFileState"}) {
				t.Errorf("wanted %v", f.wanted)
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
