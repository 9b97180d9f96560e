package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unitlog"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// WarningHeader is the gRPC header in which Reload and Show return what is wrong with the configuration (one
// value per problem): sctl prints the values of daemon-reload's as warnings and status's under the unit.
const WarningHeader = "sysmaster-warning"

// service is the control API over a Core: it checks and translates requests and answers. Authorization happened
// before it (server.go).
type service struct {
	controlv1.UnimplementedManagerServer
	core Core
}

func (s *service) ListUnits(ctx context.Context, req *controlv1.ListUnitsRequest) (*controlv1.ListUnitsResponse, error) {
	units, err := s.core.ListUnits(ctx, UnitFilter{States: req.States, Types: req.Types, Patterns: req.Patterns, All: req.All})
	if err != nil {
		return nil, err
	}
	resp := &controlv1.ListUnitsResponse{}
	for _, u := range units {
		resp.Units = append(resp.Units, &controlv1.UnitStatus{Name: u.Name, Description: u.Description,
			LoadState: u.LoadState, ActiveState: u.ActiveState, SubState: u.SubState, JobId: u.JobID, JobType: u.JobType})
	}
	return resp, nil
}

func (s *service) ListUnitFiles(ctx context.Context, req *controlv1.ListUnitFilesRequest) (*controlv1.ListUnitFilesResponse, error) {
	files, err := s.core.ListUnitFiles(ctx, UnitFilter{States: req.States, Types: req.Types, Patterns: req.Patterns})
	if err != nil {
		return nil, err
	}
	resp := &controlv1.ListUnitFilesResponse{}
	for _, f := range files {
		resp.Files = append(resp.Files, &controlv1.UnitFile{Path: f.Path, State: f.State, Preset: f.Preset})
	}
	return resp, nil
}

func (s *service) Show(ctx context.Context, req *controlv1.ShowRequest) (*controlv1.ShowResponse, error) {
	if resp, err := s.showStatus(ctx, req); resp != nil || err != nil {
		return resp, err
	}
	units, problems, err := s.core.Show(WithWanted(ctx, req.Properties), req.Units)
	warnCaller(ctx, problems)
	if err != nil {
		return nil, err
	}
	resp := &controlv1.ShowResponse{}
	for _, u := range units {
		up := &controlv1.UnitProperties{Unit: u.Unit}
		for _, p := range u.Properties.filter(req.Properties, req.All) {
			up.Properties = append(up.Properties, &controlv1.Property{Name: p.Name, Value: p.Value})
		}
		resp.Units = append(resp.Units, up)
	}
	return resp, nil
}

// statusField reads the property name from a unit's list-units line; nil for a property the line does not hold.
func statusField(name string) func(*UnitStatus) string {
	switch name {
	case "Id":
		return func(st *UnitStatus) string { return st.Name }
	case "Description":
		return func(st *UnitStatus) string { return st.Description }
	case "LoadState":
		return func(st *UnitStatus) string { return st.LoadState }
	case "ActiveState":
		return func(st *UnitStatus) string { return st.ActiveState }
	case "SubState":
		return func(st *UnitStatus) string { return st.SubState }
	}
	return nil
}

// showStatus answers a Show that asks only for properties of the units' list-units lines (is-active and
// is-failed ask for ActiveState) from those lines, as D-Bus's Get of them is answered: the core computes a unit's
// every property (its cgroup's statistics, its file's enablement) only for a request that needs more. It
// answers nil when a unit named is not loaded (Show loads it) or another property is asked for. The answer
// carries no warnings of system.conf (Show's header): the callers of these verbs do not print them.
func (s *service) showStatus(ctx context.Context, req *controlv1.ShowRequest) (*controlv1.ShowResponse, error) {
	if len(req.Units) == 0 || len(req.Properties) == 0 {
		return nil, nil
	}
	for _, p := range req.Properties {
		if statusField(p) == nil {
			return nil, nil
		}
	}
	resp := &controlv1.ShowResponse{}
	for _, name := range req.Units {
		st, err := s.core.LoadedUnit(ctx, name)
		if err != nil || st == nil {
			return nil, err
		}
		up := &controlv1.UnitProperties{Unit: st.Name}
		for _, p := range req.Properties {
			up.Properties = append(up.Properties, &controlv1.Property{Name: p, Value: statusField(p)(st)})
		}
		resp.Units = append(resp.Units, up)
	}
	return resp, nil
}

func (s *service) Cat(ctx context.Context, req *controlv1.CatRequest) (*controlv1.CatResponse, error) {
	units, err := s.core.Cat(ctx, req.Units)
	if err != nil {
		return nil, err
	}
	resp := &controlv1.CatResponse{}
	for _, u := range units {
		cu := &controlv1.CatUnit{Unit: u.Unit}
		for _, f := range u.Files {
			cu.Files = append(cu.Files, &controlv1.CatFile{Path: f.Path, Content: f.Content})
		}
		resp.Units = append(resp.Units, cu)
	}
	return resp, nil
}

func (s *service) Enqueue(ctx context.Context, req *controlv1.EnqueueRequest) (*controlv1.EnqueueResponse, error) {
	mode, err := job.ParseMode(req.Mode)
	if err != nil {
		return nil, errdefs.InvalidArgument(err)
	}
	if req.Type == "isolate" {
		mode = job.Isolate
	}
	typ, err := job.ParseType(req.Type)
	if err != nil {
		return nil, errdefs.InvalidArgument(err)
	}
	jobs, err := s.core.Enqueue(ctx, req.Units, typ, mode, req.Manual)
	if err != nil {
		return nil, err
	}
	resp := &controlv1.EnqueueResponse{}
	for _, j := range jobs {
		resp.Jobs = append(resp.Jobs, &controlv1.EnqueuedJob{Id: j.ID, Unit: j.Unit, Type: j.Type})
	}
	return resp, nil
}

func (s *service) WaitJobs(ctx context.Context, req *controlv1.WaitJobsRequest) (*controlv1.WaitJobsResponse, error) {
	waits, err := s.core.WaitJobs(ctx, req.Ids)
	if err != nil {
		return nil, err
	}
	resp := &controlv1.WaitJobsResponse{}
	for _, w := range waits {
		res := &controlv1.JobResult{Id: w.ID, Unit: w.Unit, Type: w.Type, Result: w.Result}
		if w.Done != nil {
			select {
			case r := <-w.Done:
				res.Result = string(r)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		resp.Results = append(resp.Results, res)
	}
	return resp, nil
}

func (s *service) ListJobs(ctx context.Context, _ *controlv1.ListJobsRequest) (*controlv1.ListJobsResponse, error) {
	jobs, err := s.core.ListJobs(ctx)
	if err != nil {
		return nil, err
	}
	resp := &controlv1.ListJobsResponse{}
	for _, j := range jobs {
		resp.Jobs = append(resp.Jobs, &controlv1.JobInfo{Id: j.ID, Unit: j.Unit, Type: j.Type, State: j.State})
	}
	return resp, nil
}

func (s *service) CancelJobs(ctx context.Context, req *controlv1.CancelJobsRequest) (*controlv1.CancelJobsResponse, error) {
	return &controlv1.CancelJobsResponse{}, s.core.CancelJobs(ctx, req.Ids)
}

func (s *service) ResetFailed(ctx context.Context, req *controlv1.ResetFailedRequest) (*controlv1.ResetFailedResponse, error) {
	return &controlv1.ResetFailedResponse{}, s.core.ResetFailed(ctx, req.Units)
}

func (s *service) Reload(ctx context.Context, _ *controlv1.ReloadRequest) (*controlv1.ReloadResponse, error) {
	problems, err := s.core.Reload(ctx)
	warnCaller(ctx, problems)
	return &controlv1.ReloadResponse{}, err
}

// Reexec answers once the loop has ended for the re-execution, so that what the caller reaches afterwards is
// the next image (it tells by Ping's instance).
func (s *service) Reexec(ctx context.Context, _ *controlv1.ReexecRequest) (*controlv1.ReexecResponse, error) {
	if err := s.core.Reexec(ctx); err != nil {
		return nil, err
	}
	return &controlv1.ReexecResponse{Instance: s.core.Instance()}, nil
}

func (s *service) Ping(context.Context, *controlv1.PingRequest) (*controlv1.PingResponse, error) {
	return &controlv1.PingResponse{Instance: s.core.Instance(), Pid: int64(os.Getpid())}, nil
}

// ChangeUnitFiles carries out enable, disable, reenable, preset, preset-all, mask and unmask.
func (s *service) ChangeUnitFiles(ctx context.Context, req *controlv1.ChangeUnitFilesRequest) (*controlv1.ChangeUnitFilesResponse, error) {
	changes, err := s.core.ChangeUnitFiles(ctx, req.Operation, req.Units, req.Runtime)
	resp := &controlv1.ChangeUnitFilesResponse{}
	for _, ch := range changes {
		resp.Changes = append(resp.Changes, &controlv1.UnitFileChange{Type: ch.Type, Path: ch.Path, Source: ch.Source})
	}
	return resp, err
}

func (s *service) ListPlugins(ctx context.Context, _ *controlv1.ListPluginsRequest) (*controlv1.ListPluginsResponse, error) {
	plugins, err := s.core.ListPlugins(ctx)
	if err != nil {
		return nil, err
	}
	resp := &controlv1.ListPluginsResponse{}
	for _, p := range plugins {
		info := &controlv1.PluginInfo{Type: p.Type, Path: p.Path, Sha256: p.SHA256, Pinned: p.Pinned,
			Pid: int64(p.Pid), State: p.State, Units: uint32(p.Units), Version: p.Version, Error: p.Error,
			Restarts: uint32(p.Restarts), RunningSha256: p.RunningSHA256, SwappedFrom: p.SwappedFrom}
		if !p.LastSwap.IsZero() {
			info.LastSwapUsec = p.LastSwap.UnixMicro()
		}
		resp.Plugins = append(resp.Plugins, info)
	}
	return resp, nil
}

func (s *service) ReloadPlugin(ctx context.Context, req *controlv1.ReloadPluginRequest) (*controlv1.ReloadPluginResponse, error) {
	if req.Type == "" || strings.ContainsAny(req.Type, "./ \t\n") {
		return nil, errdefs.InvalidArgument(fmt.Errorf("%q is not a unit type", req.Type))
	}
	if req.Path != "" && !filepath.IsAbs(req.Path) {
		return nil, errdefs.InvalidArgument(fmt.Errorf("plugin path %q is not absolute", req.Path))
	}
	sw, err := s.core.ReloadPlugin(ctx, req.Type, req.Path)
	if err != nil {
		return nil, err
	}
	return &controlv1.ReloadPluginResponse{OldPid: int64(sw.OldPid), OldVersion: sw.OldVersion, NewPid: int64(sw.NewPid),
		NewVersion: sw.NewVersion, Sha256: sw.SHA256, Units: uint32(sw.Units), PauseUsec: sw.Pause.Microseconds()}, nil
}

func (s *service) Shutdown(ctx context.Context, req *controlv1.ShutdownRequest) (*controlv1.ShutdownResponse, error) {
	return &controlv1.ShutdownResponse{}, s.core.Shutdown(ctx, req.Action)
}

func (s *service) Kill(ctx context.Context, req *controlv1.KillRequest) (*controlv1.KillResponse, error) {
	whom := req.Whom
	switch whom {
	case "":
		whom = "all"
	case "all", "main", "control":
	default:
		return nil, errdefs.InvalidArgument(fmt.Errorf("--kill-whom=%q: must be main, control or all", req.Whom))
	}
	sig := req.Signal
	if sig == 0 {
		sig = 15
	}
	if sig < 1 || sig > 64 {
		return nil, errdefs.InvalidArgument(fmt.Errorf("signal %d out of range", sig))
	}
	return &controlv1.KillResponse{}, s.core.Kill(ctx, req.Units, whom, sig)
}

// Logs sends the units' log lines merged in time order, the last req.Lines of them, and with Follow the lines
// that come after, until the caller ends the call.
func (s *service) Logs(req *controlv1.LogsRequest, stream controlv1.Manager_LogsServer) error {
	ctx := stream.Context()
	ids, store, err := s.core.UnitLogs(ctx, req.Units)
	if err != nil {
		return err
	}
	since := time.Time{}
	if req.SinceUsec > 0 {
		since = time.UnixMicro(req.SinceUsec)
	}
	lines := int(req.Lines)
	var all []unitlog.Entry
	offsets := make([]int64, len(ids))
	for i, id := range ids {
		es, off, err := store.Read(id, lines, since)
		if err != nil {
			return err
		}
		all, offsets[i] = append(all, es...), off
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	if lines >= 0 && len(all) > lines {
		all = all[len(all)-lines:]
	}
	send := func(e unitlog.Entry) error {
		return stream.Send(&controlv1.LogEntry{Unit: e.Unit, TimeUsec: e.Time.UnixMicro(), Priority: int32(e.Priority),
			Source: e.Source, Text: e.Text, Ident: e.Ident})
	}
	for _, e := range all {
		if err := send(e); err != nil {
			return err
		}
	}
	if !req.Follow {
		return nil
	}
	// One follower per unit; sends are serialized, as a gRPC stream requires.
	var mu sync.Mutex
	errs := make(chan error, len(ids))
	for i, id := range ids {
		go func() {
			errs <- store.Follow(id, offsets[i], ctx.Done(), func(e unitlog.Entry) error {
				mu.Lock()
				defer mu.Unlock()
				return send(e)
			})
		}()
	}
	for range ids {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// warnCaller sends problems in the WarningHeader of the call of ctx.
func warnCaller(ctx context.Context, problems []string) {
	if len(problems) == 0 {
		return
	}
	md := metadata.MD{}
	md.Append(WarningHeader, problems...)
	_ = grpc.SetHeader(ctx, md) // a call not made over gRPC (a test's) has no header to set
}

// SetEnvironment carries out set-environment, unset-environment and import-environment.
func (s *service) SetEnvironment(ctx context.Context, req *controlv1.SetEnvironmentRequest) (*controlv1.SetEnvironmentResponse, error) {
	return &controlv1.SetEnvironmentResponse{}, s.core.SetEnvironment(ctx, req.Unset, req.Set)
}
