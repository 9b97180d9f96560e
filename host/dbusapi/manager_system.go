package dbusapi

import (
	"fmt"
	"runtime"
	"strconv"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
)

// The Manager's methods on the manager itself: signals, reload, re-execution, shutdown, environment, and its
// properties.

func init() {
	handle(managerIface, "Subscribe", false, func(s *Server, r *request) ([]any, error) {
		if r.c.bus != nil {
			r.c.bus.subscribe(r.sender(), true)
		}
		return nil, nil
	})
	handle(managerIface, "Unsubscribe", false, func(s *Server, r *request) ([]any, error) {
		if r.c.bus != nil {
			r.c.bus.subscribe(r.sender(), false)
		}
		return nil, nil
	})
	handle(managerIface, "Reload", true, func(s *Server, r *request) ([]any, error) {
		_, err := s.core.Reload(r.ctx)
		return nil, err
	})
	handle(managerIface, "Reexecute", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.Reexec(r.ctx)
	})
	// systemd's methods act at once, without a transaction: systemctl's --force calls them; `systemctl poweroff`
	// starts poweroff.target with StartUnit. KExec needs a kernel loaded with kexec --load.
	for method, action := range map[string]string{"PowerOff": "poweroff", "Reboot": "reboot", "Halt": "halt", "KExec": "kexec"} {
		handle(managerIface, method, true, func(s *Server, r *request) ([]any, error) {
			return nil, s.core.Shutdown(r.ctx, action+"-force")
		})
	}
	handle(managerIface, "SetEnvironment", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.SetEnvironment(r.ctx, nil, r.args[0].([]string))
	})
	handle(managerIface, "UnsetEnvironment", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.SetEnvironment(r.ctx, r.args[0].([]string), nil)
	})
	handle(managerIface, "UnsetAndSetEnvironment", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.SetEnvironment(r.ctx, r.args[0].([]string), r.args[1].([]string))
	})
}

// architectures are systemd's names of Go's GOARCH values.
var architectures = map[string]string{
	"amd64": "x86-64", "386": "x86", "arm64": "arm64", "arm": "arm", "riscv64": "riscv64", "ppc64le": "ppc64-le",
	"s390x": "s390x", "loong64": "loongarch64", "mips64le": "mips64-le",
}

// managerProperties are the Manager's properties: what `sctl show` without a unit prints, and what sysmaster
// knows without asking the core.
func (s *Server) managerProperties(r *request) (map[string]api.Property, error) {
	units, _, err := s.core.Show(r.ctx, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]api.Property{}
	for _, u := range units {
		if u.Unit != "" {
			continue
		}
		for _, p := range u.Properties {
			out[p.Name] = p
		}
	}
	static := map[string]string{
		"Architecture": architectures[runtime.GOARCH],
		"Features":     "-PAM -AUDIT -SELINUX -APPARMOR +SYSVINIT",
		"Tainted":      "",
		// LogControl1's: the name the core logs under
		"SyslogIdentifier": "sysmaster",
	}
	for name, v := range static {
		out[name] = api.Property{Name: name, Value: v}
	}
	return out, nil
}

// sender is the unique name of r's caller on the bus.
func (r *request) sender() string {
	if v, ok := r.msg.Headers[dbus.FieldSender]; ok {
		if s, ok := v.Value().(string); ok {
			return s
		}
	}
	return ""
}

// syslogLevels are the log levels by number, as systemd's log_level_from_string takes them too.
var syslogLevels = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// setManagerOption is a Set of the Manager's writable LogLevel, LogTarget or ServiceWatchdogs (systemctl
// log-level, log-target, service-watchdogs); another writable property is NotSupported.
func (s *Server) setManagerOption(r *request, name string, v dbus.Variant) error {
	var value string
	switch name {
	case "LogLevel", "LogTarget":
		str, ok := v.Value().(string)
		if !ok {
			return newError(errInvalidArgs, fmt.Sprintf("Property %s takes a string, not '%s'.", name, v.Signature()))
		}
		value = str
		if n, err := strconv.Atoi(str); name == "LogLevel" && err == nil && n >= 0 && n < len(syslogLevels) {
			value = syslogLevels[n]
		}
	case "ServiceWatchdogs":
		b, ok := v.Value().(bool)
		if !ok {
			return newError(errInvalidArgs, fmt.Sprintf("Property %s takes a boolean, not '%s'.", name, v.Signature()))
		}
		value = strconv.FormatBool(b)
	default:
		return newError(errNotSupported, fmt.Sprintf("Setting %s.%s is not supported by sysmaster.", managerIface, name))
	}
	return s.core.SetManagerOption(r.ctx, name, value)
}
