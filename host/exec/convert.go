package exec

import (
	"github.com/sysmaster/sysmaster/host/exec/executor"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The executor links no protobuf: Start hands it the Spawn as an executor.Spec, converted here field by field
// (TestConvertCoversTheContract checks that every field of the contract's messages has its twin).

func toSpec(s *pb.Spawn) *executor.Spec {
	sp := &executor.Spec{Path: s.Path, Argv: s.Argv, FdNames: s.FdNames, Main: s.Role == pb.Role_ROLE_MAIN,
		Exec: executor.Exec{Umask: -1}}
	if ec := s.Exec; ec != nil {
		sp.Exec = executor.Exec{
			User: ec.User, Group: ec.Group, SupplementaryGroups: ec.SupplementaryGroups,
			WorkingDirectory: ec.WorkingDirectory, RootDirectory: ec.RootDirectory, Environment: ec.Environment,
			Umask: ec.Umask, Nice: ec.Nice, NiceSet: ec.NiceSet,
			OomScoreAdjust: ec.OomScoreAdjust, OomScoreAdjustSet: ec.OomScoreAdjustSet,
			Limits:              convertMap(ec.Limits, func(l *pb.Rlimit) *executor.Rlimit { return &executor.Rlimit{Soft: l.GetSoft(), Hard: l.GetHard()} }),
			CpuSchedulingPolicy: ec.CpuSchedulingPolicy, CpuSchedulingPriority: ec.CpuSchedulingPriority,
			NoNewPrivileges: ec.NoNewPrivileges, CapabilityBoundingSet: ec.CapabilityBoundingSet,
			AmbientCapabilities: ec.AmbientCapabilities,
			StandardInput:       ec.StandardInput, StandardOutput: ec.StandardOutput, StandardError: ec.StandardError,
			TtyPath: ec.TtyPath,
			Directories: convertMap(ec.Directories, func(d *pb.DirectorySet) *executor.DirectorySet {
				return &executor.DirectorySet{Paths: d.GetPaths(), Mode: d.GetMode(), Preserve: d.GetPreserve()}
			}),
			PrivateTmp: ec.PrivateTmp, Setsid: ec.Setsid, FullPrivileges: ec.FullPrivileges, AmbientOnly: ec.AmbientOnly,
			StandardInputData: ec.StandardInputData, KeepSigpipe: ec.KeepSigpipe, NoCapabilities: ec.NoCapabilities,
			Sandbox: convertSandbox(ec.Sandbox), Ioprio: ec.Ioprio, IoprioSet: ec.IoprioSet,
			CpuAffinity: ec.CpuAffinity, KeyringMode: ec.KeyringMode,
			Credentials: convertList(ec.Credentials, func(c *pb.Credential) *executor.Credential {
				return &executor.Credential{Id: c.Id, Path: c.Path, Data: c.Data, Encrypted: c.Encrypted}
			}),
			TtyReset: ec.TtyReset, TtyVhangup: ec.TtyVhangup, TtyVtDisallocate: ec.TtyVtDisallocate,
			TtyRows: ec.TtyRows, TtyColumns: ec.TtyColumns,
			UtmpIdentifier: ec.UtmpIdentifier, UtmpMode: ec.UtmpMode,
		}
	}
	return sp
}

func convertSandbox(sb *pb.Sandbox) *executor.Sandbox {
	if sb == nil {
		return nil
	}
	out := &executor.Sandbox{
		ProtectSystem: sb.ProtectSystem, ProtectHome: sb.ProtectHome,
		PrivateDevices: sb.PrivateDevices, PrivateMounts: sb.PrivateMounts,
		Paths: convertList(sb.Paths, func(p *pb.PathRule) *executor.PathRule {
			return &executor.PathRule{Kind: p.Kind, Path: p.Path, Optional: p.Optional, RootRelative: p.RootRelative}
		}),
		TemporaryFileSystems: convertList(sb.TemporaryFileSystems, func(t *pb.TmpfsMount) *executor.TmpfsMount {
			return &executor.TmpfsMount{Path: t.Path, Options: t.Options}
		}),
		Binds: convertList(sb.Binds, func(b *pb.BindMount) *executor.BindMount {
			return &executor.BindMount{Source: b.Source, Destination: b.Destination, ReadOnly: b.ReadOnly,
				Optional: b.Optional, NonRecursive: b.NonRecursive}
		}),
		MountFlags:            sb.MountFlags,
		ProtectKernelTunables: sb.ProtectKernelTunables, ProtectKernelModules: sb.ProtectKernelModules,
		ProtectKernelLogs: sb.ProtectKernelLogs, ProtectControlGroups: sb.ProtectControlGroups,
		ProtectProc: sb.ProtectProc, ProcSubset: sb.ProcSubset,
		PrivateNetwork: sb.PrivateNetwork, PrivateIpc: sb.PrivateIpc,
		ProtectHostname: sb.ProtectHostname, ProtectClock: sb.ProtectClock,
		SyscallArchitecturesNative: sb.SyscallArchitecturesNative,
		AddressFamilies:            sb.AddressFamilies, AddressFamiliesAllow: sb.AddressFamiliesAllow,
		AddressFamiliesSet: sb.AddressFamiliesSet, RestrictRealtime: sb.RestrictRealtime,
		RestrictSuidSgid: sb.RestrictSuidSgid, LockPersonality: sb.LockPersonality,
		MemoryDenyWriteExecute: sb.MemoryDenyWriteExecute,
		NamespacesAllowed:      sb.NamespacesAllowed, RestrictNamespacesSet: sb.RestrictNamespacesSet,
		PrivateUsers: sb.PrivateUsers,
		SyscallLog:   sb.SyscallLog, SyscallLogAllow: sb.SyscallLogAllow, SyscallLogSet: sb.SyscallLogSet,
	}
	if f := sb.SyscallFilter; f != nil {
		out.SyscallFilter = &executor.SyscallFilter{AllowList: f.AllowList, Names: f.Names, Errnos: f.Errnos,
			DefaultErrno: f.DefaultErrno}
	}
	return out
}

func convertList[P, E any](in []*P, f func(*P) *E) []*E {
	if len(in) == 0 {
		return nil
	}
	out := make([]*E, len(in))
	for i, p := range in {
		out[i] = f(p)
	}
	return out
}

func convertMap[P, E any](in map[string]*P, f func(*P) *E) map[string]*E {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]*E, len(in))
	for k, p := range in {
		out[k] = f(p)
	}
	return out
}
