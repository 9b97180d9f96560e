package exposure

// check is one row of systemd-analyze security's table (systemd 252's security_assessor_table): its name, the
// JSON field name, its weight and range, and how bad the unit is on it (0..range, or na).
type check struct {
	id, jsonField    string
	good, bad, na    string
	weight, rangeMax uint64
	defaultDepsOnly  bool // rated only for units with DefaultDependencies=yes (not in a special boot phase)
	assess           func(i *Info) (badness uint64, description string)
	notEnforcedBy    []string // directives the row rates that sysmaster does not apply
}

// na is the badness of a row that does not apply.
const na = ^uint64(0)

// Capability bits (linux/capability.h).
const (
	capChown = 1 << iota
	capDacOverride
	capDacReadSearch
	capFowner
	capFsetid
	capKill
	capSetgid
	capSetuid
	capSetpcap
	capLinuxImmutable
	capNetBindService
	capNetBroadcast
	capNetAdmin
	capNetRaw
	capIpcLock
	capIpcOwner
	capSysModule
	capSysRawio
	capSysChroot
	capSysPtrace
	capSysPacct
	capSysAdmin
	capSysBoot
	capSysNice
	capSysResource
	capSysTime
	capSysTtyConfig
	capMknod
	capLease
	capAuditWrite
	capAuditControl
	capSetfcap
	capMacOverride
	capMacAdmin
	capSyslog
	capWakeAlarm
	capBlockSuspend
	capAuditRead
	capPerfmon
	capBpf
	capCheckpointRestore
)

// The CLONE_NEW* flags RestrictNamespaces= rates.
const (
	nsMnt    = 0x00020000
	nsCgroup = 0x02000000
	nsUTS    = 0x04000000
	nsIPC    = 0x08000000
	nsUser   = 0x10000000
	nsPID    = 0x20000000
	nsNet    = 0x40000000
)

func boolCheck(get func(*Info) bool, invert bool) func(*Info) (uint64, string) {
	return func(i *Info) (uint64, string) {
		if get(i) != invert {
			return 0, ""
		}
		return 1, ""
	}
}

func capCheck(mask uint64) func(*Info) (uint64, string) {
	return func(i *Info) (uint64, string) {
		if i.CapabilityBoundingSet&mask != 0 {
			return 1, ""
		}
		return 0, ""
	}
}

func nsCheck(flag uint64) func(*Info) (uint64, string) {
	return func(i *Info) (uint64, string) {
		if i.RestrictNamespaces&flag != 0 {
			return 1, ""
		}
		return 0, ""
	}
}

func capRow(id, field, good, bad string, weight, mask uint64) check {
	return check{id: "CapabilityBoundingSet=~" + id, jsonField: "CapabilityBoundingSet_" + field, good: good, bad: bad,
		weight: weight, rangeMax: 1, assess: capCheck(mask)}
}

func nsRow(name, what string, weight, flag uint64) check {
	return check{id: "RestrictNamespaces=~" + name, jsonField: "RestrictNamespaces_" + name,
		good: "Service cannot create " + what + " namespaces", bad: "Service may create " + what + " namespaces",
		weight: weight, rangeMax: 1, assess: nsCheck(flag)}
}

func filterRow(set string, weight uint64) check {
	field := "SystemCallFilter_" + set
	for i := range field {
		if field[i] == '-' {
			field = field[:i] + "_" + field[i+1:]
		}
	}
	return check{id: "SystemCallFilter=~@" + set, jsonField: field, weight: weight, rangeMax: 10,
		assess: func(i *Info) (uint64, string) { return i.syscallFilter("@" + set) }}
}

// checks is systemd 252's table, in its order (weights and ranges as there).
var checks = []check{
	{id: "User=/DynamicUser=", jsonField: "UserOrDynamicUser", bad: "Service runs as root user", weight: 2000, rangeMax: 10,
		notEnforcedBy: []string{"DynamicUser"}, assess: (*Info).user},
	{id: "SupplementaryGroups=", jsonField: "SupplementaryGroups", good: "Service has no supplementary groups",
		bad: "Service runs with supplementary groups", na: "Service runs as root, option does not matter",
		weight: 200, rangeMax: 1, assess: func(i *Info) (uint64, string) {
			if i.runsPrivileged() {
				return na, ""
			}
			return b2u(len(i.SupplementaryGroups) > 0), ""
		}},
	{id: "PrivateDevices=", jsonField: "PrivateDevices", good: "Service has no access to hardware devices",
		bad: "Service potentially has access to hardware devices", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.PrivateDevices }, false)},
	{id: "PrivateMounts=", jsonField: "PrivateMounts", good: "Service cannot install system mounts",
		bad: "Service may install system mounts", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.PrivateMounts }, false)},
	{id: "PrivateNetwork=", jsonField: "PrivateNetwork", good: "Service has no access to the host's network",
		bad: "Service has access to the host's network", weight: 2500, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.PrivateNetwork }, false)},
	{id: "PrivateTmp=", jsonField: "PrivateTmp", good: "Service has no access to other software's temporary files",
		bad: "Service has access to other software's temporary files", weight: 1000, rangeMax: 1, defaultDepsOnly: true,
		assess: boolCheck(func(i *Info) bool { return i.PrivateTmp }, false)},
	{id: "PrivateUsers=", jsonField: "PrivateUsers", good: "Service does not have access to other users",
		bad: "Service has access to other users", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.PrivateUsers }, false)},
	{id: "ProtectControlGroups=", jsonField: "ProtectControlGroups", good: "Service cannot modify the control group file system",
		bad: "Service may modify the control group file system", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.ProtectControlGroups }, false)},
	{id: "ProtectKernelModules=", jsonField: "ProtectKernelModules", good: "Service cannot load or read kernel modules",
		bad: "Service may load or read kernel modules", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.ProtectKernelModules }, false)},
	{id: "ProtectKernelTunables=", jsonField: "ProtectKernelTunables", good: "Service cannot alter kernel tunables (/proc/sys, …)",
		bad: "Service may alter kernel tunables", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.ProtectKernelTunables }, false)},
	{id: "ProtectKernelLogs=", jsonField: "ProtectKernelLogs", good: "Service cannot read from or write to the kernel log ring buffer",
		bad: "Service may read from or write to the kernel log ring buffer", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.ProtectKernelLogs }, false)},
	{id: "ProtectClock=", jsonField: "ProtectClock", good: "Service cannot write to the hardware clock or system clock",
		bad: "Service may write to the hardware clock or system clock", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.ProtectClock }, false)},
	{id: "ProtectHome=", jsonField: "ProtectHome", weight: 1000, rangeMax: 10, defaultDepsOnly: true, assess: (*Info).protectHome},
	{id: "ProtectHostname=", jsonField: "ProtectHostname", good: "Service cannot change system host/domainname",
		bad: "Service may change system host/domainname", weight: 50, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.ProtectHostname }, false)},
	{id: "ProtectSystem=", jsonField: "ProtectSystem", weight: 1000, rangeMax: 10, defaultDepsOnly: true, assess: (*Info).protectSystem},
	{id: "RootDirectory=/RootImage=", jsonField: "RootDirectoryOrRootImage", good: "Service has its own root directory/image",
		bad: "Service runs within the host's root directory", weight: 200, rangeMax: 1, defaultDepsOnly: true,
		assess: func(i *Info) (uint64, string) { return b2u(i.RootDirectory == "" || i.RootDirectory == "/"), "" }},
	{id: "LockPersonality=", jsonField: "LockPersonality", good: "Service cannot change ABI personality",
		bad: "Service may change ABI personality", weight: 100, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.LockPersonality }, false)},
	{id: "MemoryDenyWriteExecute=", jsonField: "MemoryDenyWriteExecute", good: "Service cannot create writable executable memory mappings",
		bad: "Service may create writable executable memory mappings", weight: 100, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.MemoryDenyWriteExecute }, false)},
	{id: "NoNewPrivileges=", jsonField: "NoNewPrivileges", good: "Service processes cannot acquire new privileges",
		bad: "Service processes may acquire new privileges", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.NoNewPrivileges }, false)},
	capRow("CAP_SYS_ADMIN", "CAP_SYS_ADMIN", "Service has no administrator privileges", "Service has administrator privileges", 1500, capSysAdmin),
	capRow("CAP_SET(UID|GID|PCAP)", "CAP_SET_UID_GID_PCAP", "Service cannot change UID/GID identities/capabilities",
		"Service may change UID/GID identities/capabilities", 1500, capSetuid|capSetgid|capSetpcap),
	capRow("CAP_SYS_PTRACE", "CAP_SYS_PTRACE", "Service has no ptrace() debugging abilities", "Service has ptrace() debugging abilities", 1500, capSysPtrace),
	capRow("CAP_SYS_TIME", "CAP_SYS_TIME", "Service processes cannot change the system clock", "Service processes may change the system clock", 1000, capSysTime),
	capRow("CAP_NET_ADMIN", "CAP_NET_ADMIN", "Service has no network configuration privileges", "Service has network configuration privileges", 1000, capNetAdmin),
	capRow("CAP_SYS_RAWIO", "CAP_SYS_RAWIO", "Service has no raw I/O access", "Service has raw I/O access", 1000, capSysRawio),
	capRow("CAP_SYS_MODULE", "CAP_SYS_MODULE", "Service cannot load kernel modules", "Service may load kernel modules", 1000, capSysModule),
	capRow("CAP_AUDIT_*", "CAP_AUDIT", "Service has no audit subsystem access", "Service has audit subsystem access", 500, capAuditControl|capAuditRead|capAuditWrite),
	capRow("CAP_SYSLOG", "CAP_SYSLOG", "Service has no access to kernel logging", "Service has access to kernel logging", 500, capSyslog),
	capRow("CAP_SYS_(NICE|RESOURCE)", "CAP_SYS_NICE_RESOURCE", "Service has no privileges to change resource use parameters",
		"Service has privileges to change resource use parameters", 500, capSysNice|capSysResource),
	capRow("CAP_MKNOD", "CAP_MKNOD", "Service cannot create device nodes", "Service may create device nodes", 500, capMknod),
	capRow("CAP_(CHOWN|FSETID|SETFCAP)", "CAP_CHOWN_FSETID_SETFCAP", "Service cannot change file ownership/access mode/capabilities",
		"Service may change file ownership/access mode/capabilities unrestricted", 1000, capChown|capFsetid|capSetfcap),
	capRow("CAP_(DAC_*|FOWNER|IPC_OWNER)", "CAP_DAC_FOWNER_IPC_OWNER", "Service cannot override UNIX file/IPC permission checks",
		"Service may override UNIX file/IPC permission checks", 1000, capDacOverride|capDacReadSearch|capFowner|capIpcOwner),
	capRow("CAP_KILL", "CAP_KILL", "Service cannot send UNIX signals to arbitrary processes", "Service may send UNIX signals to arbitrary processes", 500, capKill),
	// systemd 252's JSON field name has the stray ")".
	capRow("CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", "CAP_NET_BIND_SERVICE_BROADCAST_RAW)", "Service has no elevated networking privileges",
		"Service has elevated networking privileges", 500, capNetBindService|capNetBroadcast|capNetRaw),
	capRow("CAP_SYS_BOOT", "CAP_SYS_BOOT", "Service cannot issue reboot()", "Service may issue reboot()", 100, capSysBoot),
	capRow("CAP_MAC_*", "CAP_MAC", "Service cannot adjust SMACK MAC", "Service may adjust SMACK MAC", 100, capMacAdmin|capMacOverride),
	capRow("CAP_LINUX_IMMUTABLE", "CAP_LINUX_IMMUTABLE", "Service cannot mark files immutable", "Service may mark files immutable", 75, capLinuxImmutable),
	capRow("CAP_IPC_LOCK", "CAP_IPC_LOCK", "Service cannot lock memory into RAM", "Service may lock memory into RAM", 50, capIpcLock),
	capRow("CAP_SYS_CHROOT", "CAP_SYS_CHROOT", "Service cannot issue chroot()", "Service may issue chroot()", 50, capSysChroot),
	capRow("CAP_BLOCK_SUSPEND", "CAP_BLOCK_SUSPEND", "Service cannot establish wake locks", "Service may establish wake locks", 25, capBlockSuspend),
	capRow("CAP_WAKE_ALARM", "CAP_WAKE_ALARM", "Service cannot program timers that wake up the system", "Service may program timers that wake up the system", 25, capWakeAlarm),
	capRow("CAP_LEASE", "CAP_LEASE", "Service cannot create file leases", "Service may create file leases", 25, capLease),
	capRow("CAP_SYS_TTY_CONFIG", "CAP_SYS_TTY_CONFIG", "Service cannot issue vhangup()", "Service may issue vhangup()", 25, capSysTtyConfig),
	capRow("CAP_SYS_PACCT", "CAP_SYS_PACCT", "Service cannot use acct()", "Service may use acct()", 25, capSysPacct),
	capRow("CAP_BPF", "CAP_BPF", "Service may not load BPF programs", "Service may load BPF programs", 25, capBpf),
	{id: "UMask=", jsonField: "UMask", weight: 100, rangeMax: 10, assess: (*Info).umask},
	{id: "KeyringMode=", jsonField: "KeyringMode", good: "Service doesn't share key material with other services",
		bad: "Service shares key material with other service", weight: 1000, rangeMax: 1,
		assess: func(i *Info) (uint64, string) { return b2u(i.KeyringMode != "private"), "" }},
	{id: "ProtectProc=", jsonField: "ProtectProc", good: "Service has restricted access to process tree (/proc hidepid=)",
		bad: "Service has full access to process tree (/proc hidepid=)", weight: 1000, rangeMax: 3,
		assess: func(i *Info) (uint64, string) {
			switch i.ProtectProc {
			case "noaccess":
				return 1, ""
			case "invisible", "ptraceable":
				return 0, ""
			}
			return 3, ""
		}},
	{id: "ProcSubset=", jsonField: "ProcSubset", good: "Service has no access to non-process /proc files (/proc subset=)",
		bad: "Service has full access to non-process /proc files (/proc subset=)", weight: 10, rangeMax: 1,
		assess: func(i *Info) (uint64, string) { return b2u(i.ProcSubset != "pid"), "" }},
	{id: "NotifyAccess=", jsonField: "NotifyAccess", good: "Service child processes cannot alter service state",
		bad: "Service child processes may alter service state", weight: 1000, rangeMax: 1,
		assess: func(i *Info) (uint64, string) { return b2u(i.NotifyAccess == "all"), "" }},
	{id: "RemoveIPC=", jsonField: "RemoveIPC", good: "Service user cannot leave SysV IPC objects around",
		bad: "Service user may leave SysV IPC objects around", na: "Service runs as root, option does not apply",
		weight: 100, rangeMax: 1, notEnforcedBy: []string{"RemoveIPC"}, assess: func(i *Info) (uint64, string) {
			if i.runsPrivileged() {
				return na, ""
			}
			return 1, "" // not applied by sysmaster: the objects stay
		}},
	{id: "Delegate=", jsonField: "Delegate", good: "Service does not maintain its own delegated control group subtree",
		bad: "Service maintains its own delegated control group subtree", weight: 100, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.Delegate }, true)},
	{id: "RestrictRealtime=", jsonField: "RestrictRealtime", good: "Service realtime scheduling access is restricted",
		bad: "Service may acquire realtime scheduling", weight: 500, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.RestrictRealtime }, false)},
	{id: "RestrictSUIDSGID=", jsonField: "RestrictSUIDSGID", good: "SUID/SGID file creation by service is restricted",
		bad: "Service may create SUID/SGID files", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.RestrictSUIDSGID }, false)},
	nsRow("user", "user", 1500, nsUser),
	nsRow("mnt", "file system", 500, nsMnt),
	nsRow("ipc", "IPC", 500, nsIPC),
	nsRow("pid", "process", 500, nsPID),
	nsRow("cgroup", "cgroup", 500, nsCgroup),
	nsRow("net", "network", 500, nsNet),
	nsRow("uts", "hostname", 100, nsUTS),
	{id: "RestrictAddressFamilies=~AF_(INET|INET6)", jsonField: "RestrictAddressFamilies_AF_INET_INET6",
		good: "Service cannot allocate Internet sockets", bad: "Service may allocate Internet sockets", weight: 1500, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.familyRestricted("inet") }, false)},
	{id: "RestrictAddressFamilies=~AF_UNIX", jsonField: "RestrictAddressFamilies_AF_UNIX",
		good: "Service cannot allocate local sockets", bad: "Service may allocate local sockets", weight: 25, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.familyRestricted("unix") }, false)},
	{id: "RestrictAddressFamilies=~AF_NETLINK", jsonField: "RestrictAddressFamilies_AF_NETLINK",
		good: "Service cannot allocate netlink sockets", bad: "Service may allocate netlink sockets", weight: 200, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.familyRestricted("netlink") }, false)},
	{id: "RestrictAddressFamilies=~AF_PACKET", jsonField: "RestrictAddressFamilies_AF_PACKET",
		good: "Service cannot allocate packet sockets", bad: "Service may allocate packet sockets", weight: 1000, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.familyRestricted("packet") }, false)},
	{id: "RestrictAddressFamilies=~…", jsonField: "RestrictAddressFamilies_OTHER",
		good: "Service cannot allocate exotic sockets", bad: "Service may allocate exotic sockets", weight: 1250, rangeMax: 1,
		assess: boolCheck(func(i *Info) bool { return i.familyRestricted("other") }, false)},
	{id: "SystemCallArchitectures=", jsonField: "SystemCallArchitectures", weight: 1000, rangeMax: 10, assess: (*Info).syscallArchitectures},
	filterRow("swap", 1000),
	filterRow("obsolete", 250),
	filterRow("clock", 1000),
	filterRow("cpu-emulation", 250),
	filterRow("debug", 1000),
	filterRow("mount", 1000),
	filterRow("module", 1000),
	filterRow("raw-io", 1000),
	filterRow("reboot", 1000),
	filterRow("privileged", 700),
	filterRow("resources", 700),
	{id: "IPAddressDeny=", jsonField: "IPAddressDeny", weight: 1000, rangeMax: 10, notEnforcedBy: []string{"IPAddressDeny", "IPAddressAllow"},
		assess: func(i *Info) (uint64, string) { return 10, "Service does not define an IP address allow list" }},
	// sysmaster applies no device cgroup policy: neither DeviceAllow=/DevicePolicy= nor the closed policy that
	// systemd derives from PrivateDevices=.
	{id: "DeviceAllow=", jsonField: "DeviceAllow", weight: 1000, rangeMax: 10, notEnforcedBy: []string{"DeviceAllow", "DevicePolicy"},
		assess: func(i *Info) (uint64, string) { return 10, "Service has no device ACL" }},
	{id: "AmbientCapabilities=", jsonField: "AmbientCapabilities", good: "Service process does not receive ambient capabilities",
		bad: "Service process receives ambient capabilities", weight: 500, rangeMax: 1,
		assess: func(i *Info) (uint64, string) { return b2u(i.AmbientCapabilities != 0), "" }},
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
