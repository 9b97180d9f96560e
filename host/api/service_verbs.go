package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/sysmaster/sysmaster/host/transient"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// The manager's verbs: freeze and thaw, clean, the run-time settings log-level, log-target and
// service-watchdogs, and set-property.

func (s *service) Freeze(ctx context.Context, req *controlv1.FreezeRequest) (*controlv1.FreezeResponse, error) {
	if len(req.Units) == 0 {
		return nil, errdefs.InvalidArgument(fmt.Errorf("no unit named"))
	}
	return &controlv1.FreezeResponse{}, s.core.Freeze(ctx, req.Units, req.Thaw)
}

// CleanKinds are the values of systemctl clean --what=, in systemd's order; "all" is every one of them.
var CleanKinds = []string{"configuration", "state", "cache", "logs", "runtime"}

func (s *service) Clean(ctx context.Context, req *controlv1.CleanRequest) (*controlv1.CleanResponse, error) {
	if len(req.Units) == 0 {
		return nil, errdefs.InvalidArgument(fmt.Errorf("no unit named"))
	}
	var what []string
	for _, w := range req.What {
		switch {
		case w == "all":
			what = append(what, CleanKinds...)
		case slices.Contains(CleanKinds, w):
			what = append(what, w)
		default:
			return nil, errdefs.InvalidArgument(fmt.Errorf("Invalid clean resource type %q", w))
		}
	}
	if len(what) == 0 {
		what = []string{"cache", "runtime"} // systemctl clean without --what=
	}
	slices.Sort(what)
	removed, err := s.core.Clean(ctx, req.Units, slices.Compact(what))
	return &controlv1.CleanResponse{Removed: removed}, err
}

func (s *service) SetManagerOption(ctx context.Context, req *controlv1.SetManagerOptionRequest) (*controlv1.SetManagerOptionResponse, error) {
	return &controlv1.SetManagerOptionResponse{}, s.core.SetManagerOption(ctx, req.Name, req.Value)
}

// SetUnitProperties is sctl set-property: the assignments become the typed properties of the D-Bus method
// (transient.ParseAssignment, as systemctl makes them), which the core sets as that method does.
func (s *service) SetUnitProperties(ctx context.Context, req *controlv1.SetUnitPropertiesRequest) (*controlv1.SetUnitPropertiesResponse, error) {
	if len(req.Assignments) == 0 {
		return nil, errdefs.InvalidArgument(fmt.Errorf("no property to set"))
	}
	props := make([]transient.Property, 0, len(req.Assignments))
	for _, a := range req.Assignments {
		p, err := transient.ParseAssignment(a)
		if err != nil {
			return nil, err
		}
		props = append(props, p)
	}
	return &controlv1.SetUnitPropertiesResponse{}, s.core.SetUnitProperties(ctx, req.Unit, req.Runtime, props)
}
