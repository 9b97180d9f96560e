package sdk

import (
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// This file is the only place where the plugin side of the SDK meets the wire contract
// (sdk/proto/sysmaster/plugin/v1): events, runtimes and unit files come in as proto messages and leave as the Go
// types a plugin works with; actions and parse results go the other way. A field added to the contract is
// added here and to the Go type, nowhere else.

// eventFromWire returns the Go form of e; its Kind is nil for an event this SDK does not know (a newer host's).
func eventFromWire(e *pb.Event) *Event {
	switch k := e.GetKind().(type) {
	case *pb.Event_Start:
		return &Event{Kind: &EventStart{}}
	case *pb.Event_Stop:
		return &Event{Kind: &EventStop{}}
	case *pb.Event_Reload:
		return &Event{Kind: &EventReload{}}
	case *pb.Event_Kill:
		return &Event{Kind: &EventKill{Whom: Whom(k.Kill.GetWhom()), Signal: int(k.Kill.GetSignal())}}
	case *pb.Event_ResetFailed:
		return &Event{Kind: &EventResetFailed{}}
	case *pb.Event_Recover:
		r := &EventRecover{Fds: k.Recover.GetFds(), Timers: k.Recover.GetTimers()}
		for _, c := range k.Recover.GetAlive() {
			r.Alive = append(r.Alive, Child{Pid: c.Pid, Role: Role(c.Role), ID: c.Id})
		}
		return &Event{Kind: r}
	case *pb.Event_Spawned:
		s := k.Spawned
		return &Event{Kind: &EventSpawned{ID: s.GetId(), Pid: s.GetPid(), Role: Role(s.GetRole())}}
	case *pb.Event_Executed:
		x := k.Executed
		return &Event{Kind: &EventExecuted{ID: x.GetId(), Pid: x.GetPid(), Role: Role(x.GetRole())}}
	case *pb.Event_SpawnFailed:
		f := k.SpawnFailed
		return &Event{Kind: &EventSpawnFailed{ID: f.GetId(), ExitCode: f.GetExitCode(), Message: f.GetMessage(), Role: Role(f.GetRole())}}
	case *pb.Event_ChildExited:
		x := k.ChildExited
		return &Event{Kind: &EventChildExited{Pid: x.GetPid(), Role: Role(x.GetRole()), ID: x.GetId(),
			Code: ExitCode(x.GetCode()), Status: x.GetStatus(), TimeUSec: x.GetTimeUsec(), OOMKilled: x.GetOomKilled()}}
	case *pb.Event_TimerFired:
		return &Event{Kind: &EventTimerFired{ID: k.TimerFired.GetId()}}
	case *pb.Event_Notify:
		n := k.Notify
		return &Event{Kind: &EventNotify{Pid: n.GetPid(), Fields: n.GetFields(), Fds: n.GetFds()}}
	case *pb.Event_FdReadable:
		r := k.FdReadable
		return &Event{Kind: &EventFdReadable{ID: r.GetId(), Accepted: r.GetAccepted(), Instance: r.GetInstance(),
			Source: r.GetSource(), AcceptError: r.GetAcceptError()}}
	case *pb.Event_FdOpenFailed:
		return &Event{Kind: &EventFdOpenFailed{ID: k.FdOpenFailed.GetId(), Message: k.FdOpenFailed.GetMessage()}}
	case *pb.Event_EnqueueFailed:
		f := k.EnqueueFailed
		return &Event{Kind: &EventEnqueueFailed{Unit: f.GetUnit(), Type: f.GetType(), Message: f.GetMessage()}}
	case *pb.Event_CgroupEmpty:
		return &Event{Kind: &EventCgroupEmpty{}}
	case *pb.Event_MountChanged:
		m := k.MountChanged
		return &Event{Kind: &EventMountChanged{Where: m.GetWhere(), What: m.GetWhat(), FSType: m.GetFstype(),
			Options: m.GetOptions(), Mounted: m.GetMounted()}}
	case *pb.Event_DeviceChanged:
		d := k.DeviceChanged
		return &Event{Kind: &EventDeviceChanged{Syspath: d.GetSyspath(), Action: d.GetAction(), Properties: d.GetProperties()}}
	case *pb.Event_DeviceFound:
		return &Event{Kind: &EventDeviceFound{Source: k.DeviceFound.GetSource(), Found: k.DeviceFound.GetFound()}}
	case *pb.Event_BusNameChanged:
		return &Event{Kind: &EventBusName{Name: k.BusNameChanged.GetName(), Owner: k.BusNameChanged.GetOwner()}}
	case *pb.Event_AutofsPacket:
		p := k.AutofsPacket
		return &Event{Kind: &EventAutofsPacket{ID: p.GetId(), Token: p.GetToken(), Expire: p.GetExpire(), Pid: p.GetPid(), Name: p.GetName()}}
	case *pb.Event_SwapChanged:
		c := k.SwapChanged
		return &Event{Kind: &EventSwapChanged{What: c.GetWhat(), Type: c.GetType(), Priority: int(c.GetPriority()), Active: c.GetActive()}}
	case *pb.Event_PathChanged:
		p := k.PathChanged
		ev := &EventPathChanged{ID: p.GetId(), Armed: p.GetArmed(), Watched: p.GetWatched()}
		for _, r := range p.GetRecords() {
			ev.Records = append(ev.Records, InotifyRecord{Path: r.GetPath(), Name: r.GetName(), Mask: r.GetMask()})
		}
		return &Event{Kind: ev}
	case *pb.Event_UnitChanged:
		c := k.UnitChanged
		return &Event{Kind: &EventUnitChanged{Unit: c.GetUnit(), Active: activeFromWire(c.GetActive()), Sub: c.GetSub(), Result: c.GetResult()}}
	case *pb.Event_ConfigChanged:
		return &Event{Kind: &EventConfigChanged{}}
	case *pb.Event_TimeChanged:
		return &Event{Kind: &EventTimeChanged{Clock: k.TimeChanged.GetClock(), Timezone: k.TimeChanged.GetTimezone()}}
	case *pb.Event_ProcessesAttached:
		return &Event{Kind: &EventProcessesAttached{Pids: k.ProcessesAttached.GetPids(), Errors: k.ProcessesAttached.GetErrors()}}
	case *pb.Event_Abandon:
		return &Event{Kind: &EventAbandon{}}
	}
	return &Event{}
}

func runtimeFromWire(r *pb.UnitRuntime) *Runtime {
	return &Runtime{
		MainPid: r.GetMainPid(), ControlPid: r.GetControlPid(), Cgroup: r.GetCgroup(), Fds: r.GetFds(),
		FdNames: r.GetFdNames(), Timers: r.GetTimers(), InvocationID: r.GetInvocationId(),
		ActivationEnv: r.GetActivationEnv(),
	}
}

func unitInfoFromWire(u *pb.UnitInfo) *UnitInfo {
	if u == nil {
		return &UnitInfo{}
	}
	info := &UnitInfo{Name: u.Name, Names: u.Names, Description: u.Description,
		DefaultDependencies: u.DefaultDependencies, FragmentPath: u.FragmentPath}
	for _, d := range u.Dependencies {
		info.Dependencies = append(info.Dependencies, &Dependency{Kind: d.GetKind(), Units: d.GetUnits()})
	}
	return info
}

func sectionsFromWire(in []*pb.Section) []*Section {
	out := make([]*Section, 0, len(in))
	for _, s := range in {
		sec := &Section{Name: s.GetName(), Entries: make([]*Entry, 0, len(s.GetEntries()))}
		for _, e := range s.GetEntries() {
			sec.Entries = append(sec.Entries, &Entry{Key: e.GetKey(), Value: e.GetValue(), File: e.GetFile(), Line: e.GetLine()})
		}
		out = append(out, sec)
	}
	return out
}

// SectionsToWire returns the wire form of sections, for hosts and test harnesses that feed Parse.
func SectionsToWire(sections []*Section) []*pb.Section {
	out := make([]*pb.Section, 0, len(sections))
	for _, s := range sections {
		sec := &pb.Section{Name: s.Name, Entries: make([]*pb.Entry, 0, len(s.Entries))}
		for _, e := range s.Entries {
			sec.Entries = append(sec.Entries, &pb.Entry{Key: e.Key, Value: e.Value, File: e.File, Line: e.Line})
		}
		out = append(out, sec)
	}
	return out
}

func dependenciesToWire(deps []*Dependency) []*pb.Dependency {
	out := make([]*pb.Dependency, 0, len(deps))
	for _, d := range deps {
		out = append(out, &pb.Dependency{Kind: d.Kind, Units: d.Units})
	}
	return out
}

func parsedToWire(r *ParseResult) *pb.Parsed {
	p := &pb.Parsed{Config: r.Config, Annotations: r.Annotations, Properties: r.Properties,
		DefaultDependencies: dependenciesToWire(r.DefaultDeps), ImplicitDependencies: dependenciesToWire(r.ImplicitDeps)}
	for _, x := range r.Problems {
		p.Problems = append(p.Problems, &pb.Problem{Severity: pb.Problem_Severity(x.Severity), File: x.File,
			Line: x.Line, Section: x.Section, Key: x.Key, Message: x.Message})
	}
	return p
}

func describeToWire(d Description) *pb.DescribeResponse {
	return &pb.DescribeResponse{
		Type: d.Type, Sections: d.Sections, Version: d.Version, StateVersion: d.StateVersion,
		RefuseManualStart: d.RefuseManualStart, RefuseManualStop: d.RefuseManualStop, Passive: d.Passive,
	}
}

// actionsToWire returns the wire form of actions; an action of a type this file does not know (impossible
// outside the package: Action's method is unexported) is dropped.
func actionsToWire(actions []Action) []*pb.Action {
	out := make([]*pb.Action, 0, len(actions))
	for _, a := range actions {
		if w := actionToWire(a); w != nil {
			out = append(out, w)
		}
	}
	return out
}

func actionToWire(a Action) *pb.Action {
	switch a := a.(type) {
	case *UnknownAction:
		w := &pb.Action{}
		raw := protowire.AppendTag(nil, protowire.Number(a.Field), protowire.BytesType)
		w.ProtoReflect().SetUnknown(protowire.AppendString(raw, a.Payload))
		return w
	case *SetState:
		return &pb.Action{Kind: &pb.Action_SetState{SetState: &pb.SetState{Active: activeToWire(a.Active), Sub: a.Sub,
			Result: a.Result, StatusText: a.StatusText, Properties: a.Properties}}}
	case *Spawn:
		return &pb.Action{Kind: &pb.Action_Spawn{Spawn: &pb.Spawn{Id: a.ID, Role: pb.Role(a.Role), Path: a.Path, Argv: a.Argv,
			Exec: execToWire(a.Exec), Fds: a.Fds, FdNames: a.FdNames, Cgroup: cgroupToWire(a.Cgroup), NotifySocket: a.NotifySocket}}}
	case *KillAction:
		return &pb.Action{Kind: &pb.Action_Kill{Kill: &pb.KillAction{Whom: pb.Whom(a.Whom), Signal: int32(a.Signal), AlsoSighup: a.AlsoSighup}}}
	case *ArmTimer:
		return &pb.Action{Kind: &pb.Action_ArmTimer{ArmTimer: &pb.ArmTimer{Id: a.ID, Usec: a.USec, RealtimeUsec: a.RealtimeUSec}}}
	case *DisarmTimer:
		return &pb.Action{Kind: &pb.Action_DisarmTimer{DisarmTimer: &pb.DisarmTimer{Id: a.ID}}}
	case *OpenSocket:
		return &pb.Action{Kind: &pb.Action_OpenSocket{OpenSocket: &pb.OpenSocket{Id: a.ID, Family: a.Family, Type: a.Type,
			Address: a.Address, Options: a.Options}}}
	case *CloseFd:
		return &pb.Action{Kind: &pb.Action_CloseFd{CloseFd: &pb.CloseFd{Id: a.ID}}}
	case *WatchFd:
		return &pb.Action{Kind: &pb.Action_WatchFd{WatchFd: &pb.WatchFd{Id: a.ID, Watch: a.Watch, Accept: a.Accept}}}
	case *EnqueueJob:
		return &pb.Action{Kind: &pb.Action_EnqueueJob{EnqueueJob: &pb.EnqueueJob{Unit: a.Unit, Type: a.Type, Mode: a.Mode, Fds: a.Fds,
			Env: a.Env}}}
	case *SetMainPid:
		return &pb.Action{Kind: &pb.Action_SetMainPid{SetMainPid: &pb.SetMainPid{Pid: a.Pid}}}
	case *Log:
		return &pb.Action{Kind: &pb.Action_Log{Log: &pb.Log{Text: a.Text, Priority: a.Priority}}}
	case *WatchTimeChange:
		return &pb.Action{Kind: &pb.Action_WatchTimeChange{WatchTimeChange: &pb.WatchTimeChange{Watch: a.Watch}}}
	case *WatchPaths:
		w := &pb.WatchPaths{Id: a.ID}
		for _, p := range a.Watches {
			w.Watches = append(w.Watches, &pb.PathWatch{Path: p.Path, Mask: p.Mask})
		}
		return &pb.Action{Kind: &pb.Action_WatchPaths{WatchPaths: w}}
	case *RealizeCgroup:
		return &pb.Action{Kind: &pb.Action_RealizeCgroup{RealizeCgroup: &pb.RealizeCgroup{Settings: cgroupToWire(a.Settings)}}}
	case *DeclareUnit:
		return &pb.Action{Kind: &pb.Action_DeclareUnit{DeclareUnit: &pb.DeclareUnit{Name: a.Name, Sections: SectionsToWire(a.Sections)}}}
	case *OpenAutofs:
		return &pb.Action{Kind: &pb.Action_OpenAutofs{OpenAutofs: &pb.OpenAutofs{Id: a.ID, Where: a.Where,
			DirectoryMode: a.DirectoryMode, TimeoutIdleUsec: a.TimeoutIdleUSec, ExtraOptions: a.ExtraOptions}}}
	case *AutofsReply:
		return &pb.Action{Kind: &pb.Action_AutofsReply{AutofsReply: &pb.AutofsReply{Id: a.ID, Tokens: a.Tokens, Status: a.Status}}}
	case *ExpireAutofs:
		return &pb.Action{Kind: &pb.Action_ExpireAutofs{ExpireAutofs: &pb.ExpireAutofs{Id: a.ID}}}
	case *AttachProcesses:
		return &pb.Action{Kind: &pb.Action_AttachProcesses{AttachProcesses: &pb.AttachProcesses{Settings: cgroupToWire(a.Settings)}}}
	}
	return nil
}

func execToWire(x *ExecContext) *pb.ExecContext {
	if x == nil {
		return nil
	}
	w := &pb.ExecContext{
		User: x.User, Group: x.Group, SupplementaryGroups: x.SupplementaryGroups, WorkingDirectory: x.WorkingDirectory,
		RootDirectory: x.RootDirectory, Environment: x.Environment, Umask: x.UMask, Nice: x.Nice, NiceSet: x.NiceSet,
		OomScoreAdjust: x.OOMScoreAdjust, OomScoreAdjustSet: x.OOMScoreAdjustSet,
		CpuSchedulingPolicy: x.CPUSchedulingPolicy, CpuSchedulingPriority: x.CPUSchedulingPriority,
		NoNewPrivileges: x.NoNewPrivileges, CapabilityBoundingSet: x.CapabilityBoundingSet,
		AmbientCapabilities: x.AmbientCapabilities, StandardInput: x.StandardInput, StandardOutput: x.StandardOutput,
		StandardError: x.StandardError, TtyPath: x.TTYPath, SyslogIdentifier: x.SyslogIdentifier,
		PrivateTmp: x.PrivateTmp, Setsid: x.Setsid, FullPrivileges: x.FullPrivileges, AmbientOnly: x.AmbientOnly,
		IgnoreFailure: x.IgnoreFailure, StandardInputData: x.StandardInputData, PassCredentials: x.PassCredentials,
		KeepSigpipe: x.KeepSIGPIPE, NoCapabilities: x.NoCapabilities, Sandbox: sandboxToWire(x.Sandbox),
		Ioprio: x.IOPrio, IoprioSet: x.IOPrioSet, CpuAffinity: x.CPUAffinity, KeyringMode: x.KeyringMode,
		TtyReset: x.TTYReset, TtyVhangup: x.TTYVHangup, TtyVtDisallocate: x.TTYVTDisallocate, TtyRows: x.TTYRows,
		TtyColumns: x.TTYColumns, UtmpIdentifier: x.UtmpIdentifier, UtmpMode: x.UtmpMode,
	}
	for _, c := range x.Credentials {
		w.Credentials = append(w.Credentials, &pb.Credential{Id: c.ID, Path: c.Path, Data: c.Data, Encrypted: c.Encrypted})
	}
	if x.Limits != nil {
		w.Limits = make(map[string]*pb.Rlimit, len(x.Limits))
		for k, l := range x.Limits {
			if l != nil {
				w.Limits[k] = &pb.Rlimit{Soft: l.Soft, Hard: l.Hard}
			}
		}
	}
	if x.Directories != nil {
		w.Directories = make(map[string]*pb.DirectorySet, len(x.Directories))
		for k, d := range x.Directories {
			if d != nil {
				w.Directories[k] = &pb.DirectorySet{Paths: d.Paths, Mode: d.Mode, Preserve: d.Preserve}
			}
		}
	}
	return w
}

func sandboxToWire(s *Sandbox) *pb.Sandbox {
	if s == nil {
		return nil
	}
	w := &pb.Sandbox{
		ProtectSystem: s.ProtectSystem, ProtectHome: s.ProtectHome, PrivateDevices: s.PrivateDevices,
		PrivateMounts: s.PrivateMounts, MountFlags: s.MountFlags, ProtectKernelTunables: s.ProtectKernelTunables,
		ProtectKernelModules: s.ProtectKernelModules, ProtectKernelLogs: s.ProtectKernelLogs,
		ProtectControlGroups: s.ProtectControlGroups, ProtectProc: s.ProtectProc, ProcSubset: s.ProcSubset,
		PrivateNetwork: s.PrivateNetwork, PrivateIpc: s.PrivateIPC, ProtectHostname: s.ProtectHostname,
		ProtectClock: s.ProtectClock, SyscallArchitecturesNative: s.SyscallArchNative,
		AddressFamilies: s.AddressFamilies, AddressFamiliesAllow: s.AddressFamiliesAllow,
		AddressFamiliesSet: s.AddressFamiliesSet, RestrictRealtime: s.RestrictRealtime,
		RestrictSuidSgid: s.RestrictSUIDSGID, LockPersonality: s.LockPersonality,
		MemoryDenyWriteExecute: s.MemoryDenyWriteExec, NamespacesAllowed: s.NamespacesAllowed,
		RestrictNamespacesSet: s.RestrictNamespacesSet, PrivateUsers: s.PrivateUsers, SyscallLog: s.SyscallLog,
		SyscallLogAllow: s.SyscallLogAllow, SyscallLogSet: s.SyscallLogSet,
	}
	for _, p := range s.Paths {
		w.Paths = append(w.Paths, &pb.PathRule{Kind: p.Kind, Path: p.Path, Optional: p.Optional, RootRelative: p.RootRelative})
	}
	for _, t := range s.TemporaryFileSystems {
		w.TemporaryFileSystems = append(w.TemporaryFileSystems, &pb.TmpfsMount{Path: t.Path, Options: t.Options})
	}
	for _, b := range s.Binds {
		w.Binds = append(w.Binds, &pb.BindMount{Source: b.Source, Destination: b.Destination, ReadOnly: b.ReadOnly,
			Optional: b.Optional, NonRecursive: b.NonRecursive})
	}
	if f := s.SyscallFilter; f != nil {
		w.SyscallFilter = &pb.SyscallFilter{AllowList: f.AllowList, Names: f.Names, Errnos: f.Errnos, DefaultErrno: f.DefaultErrno}
	}
	return w
}

func cgroupToWire(c *CgroupSettings) *pb.CgroupSettings {
	if c == nil {
		return nil
	}
	return &pb.CgroupSettings{MemoryMax: c.MemoryMax, MemoryHigh: c.MemoryHigh, CpuQuotaPerSecUsec: c.CPUQuotaPerSecUSec,
		CpuWeight: c.CPUWeight, TasksMax: c.TasksMax, IoWeight: c.IOWeight, Delegate: c.Delegate}
}

// ActiveState numbers its states as the protocol's enum does (zero: not reported), so that these two are the
// only conversions between them, and the protocol's names are the states' names: ACTIVE_STATE_ACTIVE is
// "active". TestActiveStateWire checks every value of the enum.
func activeToWire(s ActiveState) pb.ActiveState   { return pb.ActiveState(s) }
func activeFromWire(s pb.ActiveState) ActiveState { return ActiveState(s) }

// activeNames are systemd's names of the states, from the protocol's.
var activeNames = func() map[ActiveState]string {
	names := map[ActiveState]string{}
	for v, n := range pb.ActiveState_name {
		if v != int32(pb.ActiveState_ACTIVE_STATE_UNSPECIFIED) {
			names[activeFromWire(pb.ActiveState(v))] = strings.ToLower(strings.TrimPrefix(n, "ACTIVE_STATE_"))
		}
	}
	return names
}()
