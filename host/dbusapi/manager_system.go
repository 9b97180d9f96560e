package dbusapi

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

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
		if err := s.core.Reexec(r.ctx); err != nil || r.c.bus != nil {
			return nil, err
		}
		return nil, errNoReply // the connection ends when the next image serves (reexec.go)
	})
	// systemd's methods act at once, without a transaction: systemctl's --force calls them; `systemctl poweroff`
	// starts poweroff.target with StartUnit. KExec needs a kernel loaded with kexec --load.
	for method, action := range map[string]string{"PowerOff": "poweroff", "Reboot": "reboot", "Halt": "halt", "KExec": "kexec"} {
		handle(managerIface, method, true, func(s *Server, r *request) ([]any, error) {
			return nil, s.core.Shutdown(r.ctx, action+"-force")
		})
	}
	// systemctl exit N calls SetExitCode, then starts exit.target (Exit, at once, with -f); the core refuses both
	// outside a container, as systemd.
	handle(managerIface, "Exit", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.Shutdown(r.ctx, "exit-force")
	})
	handle(managerIface, "SetExitCode", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.core.SetManagerOption(r.ctx, "ExitCode", strconv.Itoa(int(r.args[0].(byte))))
	})
	handle(managerIface, "SwitchRoot", true, func(s *Server, r *request) ([]any, error) {
		return nil, switchRoot(r.args[0].(string), r.args[1].(string))
	})
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

// switchRoot checks a SwitchRoot(root, init) call as systemd 252's method_switch_root does, in its order, and
// refuses it outside an initrd, as systemd does. In an initrd it answers NotSupported: sysmaster does not switch
// root yet (docs/dbus.md).
func switchRoot(root, init string) error {
	if root == "" {
		root = "/sysroot"
	} else {
		if strings.ContainsRune(root, 0) || len(root) > unix.PathMax {
			return newError(errInvalidArgs, "New root directory must be a valid path.")
		}
		if !filepath.IsAbs(root) {
			return newError(errInvalidArgs, fmt.Sprintf("New root path '%s' is not absolute.", root))
		}
		if sameFile(root, "/") {
			return newError(errInvalidArgs, "New root directory cannot be the old root directory.")
		}
	}
	if !inInitrd() {
		return newError(errInvalidArgs, "Not in initrd, refusing switch-root operation.")
	}
	return newError(errNotSupported, fmt.Sprintf("Switching root to %s (init %q) is not supported by sysmaster.", root, init))
}

// sameFile reports whether a and b are the same inode.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// inInitrd is systemd's in_initrd(): /etc/initrd-release exists and the root file system is a memory one (tmpfs or
// ramfs: a misdetected initrd would be emptied at the switch).
func inInitrd() bool {
	if _, err := os.Stat("/etc/initrd-release"); err != nil {
		return false
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return false
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC
}
