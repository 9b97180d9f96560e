package sdk

import (
	"slices"
)

// ExecContext is how a process is set up between fork and exec (man systemd.exec). sdk/exec builds it from a
// unit's settings. Its JSON names are those of the wire contract, so config bytes that embed it keep reading
// the same across SDK versions.
type ExecContext struct {
	User                string   `json:"user,omitempty"`
	Group               string   `json:"group,omitempty"`
	SupplementaryGroups []string `json:"supplementary_groups,omitempty"`
	// WorkingDirectory is "~" for the user's home; a leading "-" ignores a missing directory.
	WorkingDirectory string `json:"working_directory,omitempty"`
	RootDirectory    string `json:"root_directory,omitempty"`
	// Environment is KEY=VALUE, final: files read, passes and unsets applied by the plugin.
	Environment           []string           `json:"environment,omitempty"`
	UMask                 int32              `json:"umask,omitempty"` // -1 for the default 0022
	Nice                  int32              `json:"nice,omitempty"`
	NiceSet               bool               `json:"nice_set,omitempty"`
	OOMScoreAdjust        int32              `json:"oom_score_adjust,omitempty"`
	OOMScoreAdjustSet     bool               `json:"oom_score_adjust_set,omitempty"`
	Limits                map[string]*Rlimit `json:"limits,omitempty"` // key: "NOFILE", "NPROC", …
	CPUSchedulingPolicy   string             `json:"cpu_scheduling_policy,omitempty"`
	CPUSchedulingPriority int32              `json:"cpu_scheduling_priority,omitempty"`
	NoNewPrivileges       bool               `json:"no_new_privileges,omitempty"`
	// CapabilityBoundingSet empty means unchanged; NoCapabilities drops them all.
	CapabilityBoundingSet []string `json:"capability_bounding_set,omitempty"`
	AmbientCapabilities   []string `json:"ambient_capabilities,omitempty"`
	// StandardInput: null, tty, tty-force, tty-fail, socket, fd:NAME, file:PATH, data. StandardOutput and
	// StandardError: inherit, null, tty, journal, kmsg, file:PATH, append:PATH, truncate:PATH, socket.
	StandardInput     string                   `json:"standard_input,omitempty"`
	StandardOutput    string                   `json:"standard_output,omitempty"`
	StandardError     string                   `json:"standard_error,omitempty"`
	TTYPath           string                   `json:"tty_path,omitempty"`
	SyslogIdentifier  string                   `json:"syslog_identifier,omitempty"`
	Directories       map[string]*DirectorySet `json:"directories,omitempty"` // key: runtime, state, cache, logs, configuration
	PrivateTmp        bool                     `json:"private_tmp,omitempty"`
	Setsid            bool                     `json:"setsid,omitempty"`          // a new session (services)
	FullPrivileges    bool                     `json:"full_privileges,omitempty"` // "+" prefix
	AmbientOnly       bool                     `json:"ambient_only,omitempty"`    // "!" prefix
	IgnoreFailure     bool                     `json:"ignore_failure,omitempty"`  // "-" prefix: the host only logs
	StandardInputData []byte                   `json:"standard_input_data,omitempty"`
	PassCredentials   bool                     `json:"pass_credentials,omitempty"`
	KeepSIGPIPE       bool                     `json:"keep_sigpipe,omitempty"` // IgnoreSIGPIPE=no
	NoCapabilities    bool                     `json:"no_capabilities,omitempty"`
	// Sandbox is nil when the unit asks for no confinement.
	Sandbox *Sandbox `json:"sandbox,omitempty"`
	// IOPrio is IOSchedulingClass= and IOSchedulingPriority= as the kernel's ioprio (class<<13 | priority),
	// applied when IOPrioSet.
	IOPrio    int32 `json:"ioprio,omitempty"`
	IOPrioSet bool  `json:"ioprio_set,omitempty"`
	// CPUAffinity lists the CPUs of CPUAffinity=; empty leaves the affinity alone.
	CPUAffinity []uint32 `json:"cpu_affinity,omitempty"`
	// KeyringMode is inherit, private or shared; "" is private.
	KeyringMode string `json:"keyring_mode,omitempty"`
	// Credentials are LoadCredential= and SetCredential=, in order.
	Credentials []Credential `json:"credentials,omitempty"`
	// The terminal's reset, hangup, VT disallocation and size (TTYReset=, TTYVHangup=, TTYVTDisallocate=,
	// TTYRows=, TTYColumns=; 0 leaves the size alone).
	TTYReset         bool   `json:"tty_reset,omitempty"`
	TTYVHangup       bool   `json:"tty_vhangup,omitempty"`
	TTYVTDisallocate bool   `json:"tty_vt_disallocate,omitempty"`
	TTYRows          uint32 `json:"tty_rows,omitempty"`
	TTYColumns       uint32 `json:"tty_columns,omitempty"`
	// UtmpIdentifier and UtmpMode (init, login, user; "" is init) ask for utmp/wtmp records.
	UtmpIdentifier string `json:"utmp_identifier,omitempty"`
	UtmpMode       string `json:"utmp_mode,omitempty"`
}

// Credential is one LoadCredential= (Path set: an absolute path, or a name among the manager's own credentials)
// or SetCredential= (Data, a default a LoadCredential= of the same ID overrides).
type Credential struct {
	ID   string `json:"id"`
	Path string `json:"path,omitempty"`
	Data []byte `json:"data,omitempty"`
	// Encrypted is set by LoadCredentialEncrypted= and SetCredentialEncrypted=, which the host refuses.
	Encrypted bool `json:"encrypted,omitempty"`
}

// Clone returns a deep copy of x (nil for nil).
func (x *ExecContext) Clone() *ExecContext {
	if x == nil {
		return nil
	}
	c := *x
	c.SupplementaryGroups = slices.Clone(x.SupplementaryGroups)
	c.Environment = slices.Clone(x.Environment)
	c.CapabilityBoundingSet = slices.Clone(x.CapabilityBoundingSet)
	c.AmbientCapabilities = slices.Clone(x.AmbientCapabilities)
	c.StandardInputData = slices.Clone(x.StandardInputData)
	c.Sandbox = x.Sandbox.Clone()
	c.CPUAffinity = slices.Clone(x.CPUAffinity)
	c.Credentials = slices.Clone(x.Credentials)
	if x.Limits != nil {
		c.Limits = make(map[string]*Rlimit, len(x.Limits))
		for k, v := range x.Limits {
			if v != nil {
				r := *v
				v = &r
			}
			c.Limits[k] = v
		}
	}
	if x.Directories != nil {
		c.Directories = make(map[string]*DirectorySet, len(x.Directories))
		for k, v := range x.Directories {
			if v != nil {
				d := *v
				d.Paths = slices.Clone(v.Paths)
				v = &d
			}
			c.Directories[k] = v
		}
	}
	return &c
}

// Rlimit is one resource limit (Limit*=).
type Rlimit struct {
	Soft uint64 `json:"soft,omitempty"`
	Hard uint64 `json:"hard,omitempty"`
}

// DirectorySet is one of RuntimeDirectory=, StateDirectory=, … with its mode and RuntimeDirectoryPreserve=.
type DirectorySet struct {
	Paths    []string `json:"paths,omitempty"` // relative to /run, /var/lib, /var/cache, /var/log, /etc
	Mode     uint32   `json:"mode,omitempty"`
	Preserve bool     `json:"preserve,omitempty"`
}

// CgroupSettings is the unit's resource control (man systemd.resource-control). Zero values mean unset.
type CgroupSettings struct {
	MemoryMax          uint64 `json:"memory_max,omitempty"` // bytes; MaxUint64 for "infinity"
	MemoryHigh         uint64 `json:"memory_high,omitempty"`
	CPUQuotaPerSecUSec uint64 `json:"cpu_quota_per_sec_usec,omitempty"`
	CPUWeight          uint64 `json:"cpu_weight,omitempty"`
	TasksMax           uint64 `json:"tasks_max,omitempty"`
	IOWeight           uint64 `json:"io_weight,omitempty"`
	Delegate           bool   `json:"delegate,omitempty"`
}
