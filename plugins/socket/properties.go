package socket

import (
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/sdk/exec"
)

// properties are the socket's settings as `systemctl show` lists them: systemd's names and value formats.
func (c *Config) properties() map[string]string {
	var listen []string
	for _, l := range c.Listen {
		listen = append(listen, l.display()+" ("+l.Kind+")")
	}
	opt := func(key, def string) string {
		if v, ok := c.Options[key]; ok {
			return v
		}
		return def
	}
	secs := func(key string) string {
		n, _ := strconv.ParseUint(c.Options[key], 10, 64)
		return usec(n*1e6, false)
	}
	p := map[string]string{
		"Listen":                   strings.Join(listen, "\n"),
		"Accept":                   yesno(c.Accept),
		"MaxConnections":           strconv.FormatUint(uint64(c.MaxConnections), 10),
		"MaxConnectionsPerSource":  strconv.FormatUint(uint64(c.MaxConnectionsPerSource), 10),
		"Backlog":                  opt("Backlog", "2147483647"),
		"SocketMode":               opt("SocketMode", "0666"),
		"DirectoryMode":            opt("DirectoryMode", "0755"),
		"SocketUser":               opt("SocketUser", ""),
		"SocketGroup":              opt("SocketGroup", ""),
		"BindIPv6Only":             opt("BindIPv6Only", "default"),
		"BindToDevice":             opt("BindToDevice", ""),
		"KeepAliveTimeUSec":        secs("KeepAliveTimeSec"),
		"KeepAliveIntervalUSec":    secs("KeepAliveIntervalSec"),
		"KeepAliveProbes":          opt("KeepAliveProbes", "0"),
		"ReceiveBuffer":            opt("ReceiveBuffer", "0"),
		"SendBuffer":               opt("SendBuffer", "0"),
		"Symlinks":                 opt("Symlinks", ""),
		"FileDescriptorName":       opt("FileDescriptorName", ""),
		"Timestamping":             opt("Timestamping", "off"),
		"TriggerLimitIntervalUSec": usec(c.TriggerLimitIntervalUSec, false),
		"TriggerLimitBurst":        strconv.FormatUint(uint64(c.TriggerLimitBurst), 10),
		"PollLimitIntervalUSec":    usec(c.PollLimitIntervalUSec, false),
		"PollLimitBurst":           strconv.FormatUint(uint64(c.PollLimitBurst), 10),
		"TimeoutUSec":              usec(c.TimeoutUSec, true),
		"ExecStartPre":             exec.CommandsProperty(c.ExecStartPre),
		"ExecStartPost":            exec.CommandsProperty(c.ExecStartPost),
		"ExecStopPre":              exec.CommandsProperty(c.ExecStopPre),
		"ExecStopPost":             exec.CommandsProperty(c.ExecStopPost),
		// What a socket that has not run reports; its state reports replace them.
		"NAccepted": "0", "NConnections": "0", "NRefused": "0", "Result": "success",
	}
	for _, key := range []string{"FreeBind", "Transparent", "ReusePort", "KeepAlive", "NoDelay", "PassCredentials",
		"PassSecurity", "RemoveOnStop"} {
		p[key] = opt(key, "no")
	}
	c.KillSettings.Properties(p)
	c.ExecSettings.Properties(p)
	c.CgroupConfig.Properties(p)
	return p
}
