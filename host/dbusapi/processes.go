package dbusapi

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// GetUnitProcesses: the processes of a unit's cgroup and the cgroups below it, read from the cgroup file system
// as systemctl status would read it itself.

func init() {
	handle(managerIface, "GetUnitProcesses", false, func(s *Server, r *request) ([]any, error) {
		name, err := checkName(r.args[0].(string))
		if err != nil {
			return nil, err
		}
		return s.unitProcesses(r, name)
	})
	// The types whose interface has GetProcesses in systemd 252 (TestHandlersAreSystemdMethods checks the list
	// against interfaces.xml).
	for _, t := range processTypes {
		handle(typeIfaces[t], "GetProcesses", false, func(s *Server, r *request) ([]any, error) {
			return s.unitProcesses(r, r.unit)
		})
	}
}

// processTypes are the unit types with processes of their own.
var processTypes = []string{"mount", "scope", "service", "slice", "socket", "swap"}

// cgroupRoots are where the cgroup hierarchy that holds units' cgroups may be mounted: the unified one, then
// the named systemd one of a hybrid or legacy layout.
var cgroupRoots = []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup"}

// process is an entry of GetUnitProcesses: a(sus) cgroup, pid, command line.
type process struct {
	Cgroup  string
	Pid     uint32
	Command string
}

func (s *Server) unitProcesses(r *request, name string) ([]any, error) {
	units, _, err := s.core.Show(r.ctx, []string{name})
	if err != nil {
		return nil, err
	}
	out := []process{}
	if len(units) == 0 {
		return []any{out}, nil
	}
	cg := units[0].Properties.Value("ControlGroup")
	if cg == "" {
		return []any{out}, nil
	}
	for _, root := range cgroupRoots {
		dir := filepath.Join(root, cg)
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil {
			continue
		}
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(filepath.Join(p, "cgroup.procs"))
			for _, f := range strings.Fields(string(b)) {
				pid, err := strconv.ParseUint(f, 10, 32)
				if err != nil {
					continue
				}
				out = append(out, process{Cgroup: "/" + strings.TrimPrefix(p, root+"/"), Pid: uint32(pid), Command: cmdline(int(pid))})
			}
			return nil
		})
		break
	}
	return []any{out}, nil
}

// cmdline is a process's command line with its arguments separated by spaces, or its name in brackets.
func cmdline(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err == nil && len(b) > 0 {
		return strings.TrimRight(strings.ReplaceAll(string(b), "\x00", " "), " ")
	}
	comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return "[" + strings.TrimSpace(string(comm)) + "]"
}
