package sdk

import (
	"maps"
	"slices"
)

// Sandbox is the confinement of man systemd.exec's "Sandboxing" and "System Call Filtering" sections, as sdk/exec
// parses it. Its JSON names are those of the wire contract. The zero value confines nothing.
type Sandbox struct {
	ProtectSystem         string         `json:"protect_system,omitempty"` // "", yes, full, strict
	ProtectHome           string         `json:"protect_home,omitempty"`   // "", yes, read-only, tmpfs
	PrivateDevices        bool           `json:"private_devices,omitempty"`
	PrivateMounts         bool           `json:"private_mounts,omitempty"`
	Paths                 []PathRule     `json:"paths,omitempty"`
	TemporaryFileSystems  []TmpfsMount   `json:"temporary_file_systems,omitempty"`
	Binds                 []BindMount    `json:"binds,omitempty"`
	MountFlags            string         `json:"mount_flags,omitempty"` // "", shared, slave, private
	ProtectKernelTunables bool           `json:"protect_kernel_tunables,omitempty"`
	ProtectKernelModules  bool           `json:"protect_kernel_modules,omitempty"`
	ProtectKernelLogs     bool           `json:"protect_kernel_logs,omitempty"`
	ProtectControlGroups  bool           `json:"protect_control_groups,omitempty"`
	ProtectProc           string         `json:"protect_proc,omitempty"` // "", default, invisible, noaccess, ptraceable
	ProcSubset            string         `json:"proc_subset,omitempty"`  // "", all, pid
	PrivateNetwork        bool           `json:"private_network,omitempty"`
	PrivateIPC            bool           `json:"private_ipc,omitempty"`
	ProtectHostname       bool           `json:"protect_hostname,omitempty"`
	ProtectClock          bool           `json:"protect_clock,omitempty"`
	SyscallFilter         *SyscallFilter `json:"syscall_filter,omitempty"`
	SyscallArchNative     bool           `json:"syscall_architectures_native,omitempty"`
	AddressFamilies       []int32        `json:"address_families,omitempty"` // AF_* numbers
	AddressFamiliesAllow  bool           `json:"address_families_allow,omitempty"`
	AddressFamiliesSet    bool           `json:"address_families_set,omitempty"`
	RestrictRealtime      bool           `json:"restrict_realtime,omitempty"`
	RestrictSUIDSGID      bool           `json:"restrict_suid_sgid,omitempty"`
	LockPersonality       bool           `json:"lock_personality,omitempty"`
	MemoryDenyWriteExec   bool           `json:"memory_deny_write_execute,omitempty"`
	NamespacesAllowed     uint64         `json:"namespaces_allowed,omitempty"` // CLONE_NEW* flags
	RestrictNamespacesSet bool           `json:"restrict_namespaces_set,omitempty"`
	PrivateUsers          bool           `json:"private_users,omitempty"`
	// SystemCallLog=: SyscallLogAllow logs the names, otherwise everything but the names is logged.
	SyscallLog      []string `json:"syscall_log,omitempty"`
	SyscallLogAllow bool     `json:"syscall_log_allow,omitempty"`
	SyscallLogSet   bool     `json:"syscall_log_set,omitempty"`
}

// PathRule is one path of ReadWritePaths=, ReadOnlyPaths=, InaccessiblePaths=, ExecPaths= or NoExecPaths=.
type PathRule struct {
	Kind         string `json:"kind"` // read-write, read-only, inaccessible, exec, no-exec
	Path         string `json:"path"`
	Optional     bool   `json:"optional,omitempty"`      // "-": skipped when missing
	RootRelative bool   `json:"root_relative,omitempty"` // "+": below RootDirectory=
}

// TmpfsMount is one TemporaryFileSystem= entry.
type TmpfsMount struct {
	Path    string `json:"path"`
	Options string `json:"options,omitempty"`
}

// BindMount is one BindPaths= or BindReadOnlyPaths= entry.
type BindMount struct {
	Source       string `json:"source"`
	Destination  string `json:"destination"`
	ReadOnly     bool   `json:"read_only,omitempty"`
	Optional     bool   `json:"optional,omitempty"`
	NonRecursive bool   `json:"non_recursive,omitempty"`
}

// SyscallFilter is SystemCallFilter= (groups expanded) with SystemCallErrorNumber=.
type SyscallFilter struct {
	AllowList bool             `json:"allow_list,omitempty"`
	Names     []string         `json:"names,omitempty"`
	Errnos    map[string]int32 `json:"errnos,omitempty"` // a ":errno" suffix, per name; -1 for ":kill"
	// DefaultErrno refuses with this errno; 0 kills the process with SIGSYS, systemd's default.
	DefaultErrno int32 `json:"default_errno,omitempty"`
}

// Clone returns a deep copy of s (nil for nil).
func (s *Sandbox) Clone() *Sandbox {
	if s == nil {
		return nil
	}
	c := *s
	c.Paths = slices.Clone(s.Paths)
	c.TemporaryFileSystems = slices.Clone(s.TemporaryFileSystems)
	c.Binds = slices.Clone(s.Binds)
	c.AddressFamilies = slices.Clone(s.AddressFamilies)
	c.SyscallLog = slices.Clone(s.SyscallLog)
	if s.SyscallFilter != nil {
		f := *s.SyscallFilter
		f.Names = slices.Clone(f.Names)
		f.Errnos = maps.Clone(f.Errnos)
		c.SyscallFilter = &f
	}
	return &c
}
