package exec

import "github.com/sysmaster/sysmaster/sdk"

// unenforcedKeys are the keys of man systemd.exec, systemd.resource-control and systemd.kill (systemd 252) that
// sysmaster knows but does not apply. Such a key is not an unknown one: it is reported as not enforced, once per
// load, and listed in the UnenforcedDirectives property, which sctl status shows as "Warning:" lines.
var unenforcedKeys = map[string]bool{}

func init() {
	for _, k := range []string{
		// Identity, security and sandboxing.
		"DynamicUser", "SecureBits", "Personality",
		"SELinuxContext", "AppArmorProfile", "SmackProcessLabel", "RemoveIPC", "NetworkNamespacePath",
		"IPCNamespacePath", "RestrictFileSystems", "RestrictNetworkInterfaces", "MountAPIVFS", "RootImage",
		"RootImageOptions", "RootHash", "RootHashSignature", "RootVerity", "MountImages", "ExtensionImages",
		"ExtensionDirectories", "ExecSearchPath", "PAMName",
		// Scheduling and process properties.
		"NUMAPolicy", "NUMAMask", "CPUSchedulingResetOnFork", "TimerSlackNSec", "CoredumpFilter",
		// Logging.
		"LogLevelMax", "LogExtraFields", "LogRateLimitIntervalSec", "LogRateLimitBurst", "LogNamespace",
		"SyslogFacility", "SyslogLevel", "SyslogLevelPrefix",
		// Resource control beyond what the host's cgroup code applies.
		"AllowedCPUs", "StartupAllowedCPUs", "AllowedMemoryNodes", "StartupAllowedMemoryNodes", "CPUAccounting",
		"CPUQuotaPeriodSec", "StartupCPUWeight", "CPUShares", "StartupCPUShares", "MemoryAccounting",
		"MemoryMin", "MemoryLow", "MemorySwapMax", "MemoryLimit", "TasksAccounting", "IOAccounting",
		"StartupIOWeight", "IODeviceWeight", "IODeviceLatencyTargetSec", "IOReadBandwidthMax",
		"IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax", "BlockIOAccounting", "BlockIOWeight",
		"StartupBlockIOWeight", "BlockIODeviceWeight", "BlockIOReadBandwidth", "BlockIOWriteBandwidth",
		"DeviceAllow", "DevicePolicy", "DisableControllers", "IPAccounting", "IPAddressAllow", "IPAddressDeny",
		"IPIngressFilterPath", "IPEgressFilterPath", "BPFProgram", "SocketBindAllow", "SocketBindDeny",
		"ManagedOOMSwap", "ManagedOOMMemoryPressure", "ManagedOOMMemoryPressureLimit", "ManagedOOMPreference",
		"TimeoutCleanSec",
	} {
		unenforcedKeys[k] = true
	}
}

// unenforced reports e's key as known but not enforced, once per key per section.
func (p *Parser) unenforced(e *sdk.Entry) {
	if p.x != nil {
		for _, k := range p.x.Unenforced {
			if k == e.Key {
				return
			}
		}
		p.x.Unenforced = append(p.x.Unenforced, e.Key)
	}
	p.Res.Warnf(e, p.Section, e.Key, "%s= is not supported by sysmaster and is not enforced, ignoring.", e.Key)
}
