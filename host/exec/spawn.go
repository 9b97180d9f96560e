package exec

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/reaper"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Console is where "inherit", "journal", "kmsg" and "tty" output goes until unit logs exist.
var Console = os.Stderr

// Start forks and execs s through r, with sink as the owner of the new pid.
func Start(r *reaper.Reaper, s *pb.Spawn, sink reaper.Sink) (int, error) {
	if err := unsupported(s.GetExec()); err != nil {
		return 0, err
	}
	ec := s.GetExec()
	path := s.Path
	if path == "" && len(s.Argv) > 0 {
		path = s.Argv[0]
	}
	if path == "" {
		return 0, fmt.Errorf("exec: spawn %q has no executable", s.Id)
	}
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer stdin.Close()
	stdout, err := output(ec.GetStandardOutput())
	if err != nil {
		return 0, err
	}
	defer stdout.Close()
	stderr, err := output(ec.GetStandardError())
	if err != nil {
		return 0, err
	}
	defer stderr.Close()
	dir := strings.TrimPrefix(ec.GetWorkingDirectory(), "-")
	if dir == "" {
		dir = "/"
	}
	attr := &os.ProcAttr{
		Dir:   dir,
		Env:   append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, ec.GetEnvironment()...),
		Files: []*os.File{stdin, stdout, stderr},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	argv := s.Argv
	if len(argv) == 0 {
		argv = []string{path}
	}
	return r.Start(func() (int, error) {
		p, err := os.StartProcess(path, argv, attr)
		if err != nil {
			return 0, err
		}
		pid := p.Pid
		// The reaper waits for it; drop the handle (and the pidfd Go keeps in it).
		p.Release()
		return pid, nil
	}, sink)
}

// output opens what StandardOutput=/StandardError= name; the default is the console.
func output(spec string) (*os.File, error) {
	switch {
	case spec == "" || spec == "inherit" || spec == "journal" || spec == "kmsg" || spec == "tty" || spec == "journal+console" || spec == "kmsg+console":
		// A duplicate, so that closing it after the fork leaves the core's own console open.
		fd, err := unix.Dup(int(Console.Fd()))
		if err != nil {
			return nil, err
		}
		unix.CloseOnExec(fd)
		return os.NewFile(uintptr(fd), Console.Name()), nil
	case spec == "null":
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	case strings.HasPrefix(spec, "file:"):
		return os.OpenFile(spec[5:], os.O_WRONLY|os.O_CREATE, 0o644)
	case strings.HasPrefix(spec, "append:"):
		return os.OpenFile(spec[7:], os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	case strings.HasPrefix(spec, "truncate:"):
		return os.OpenFile(spec[9:], os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	}
	return nil, fmt.Errorf("exec: standard output %q is not supported by this host yet", spec)
}

// unsupported refuses settings this host cannot apply yet, by name.
func unsupported(ec *pb.ExecContext) error {
	if ec == nil {
		return nil
	}
	var names []string
	check := func(set bool, name string) {
		if set {
			names = append(names, name)
		}
	}
	check(ec.User != "", "User=")
	check(ec.Group != "", "Group=")
	check(len(ec.SupplementaryGroups) > 0, "SupplementaryGroups=")
	check(ec.RootDirectory != "", "RootDirectory=")
	check(ec.NiceSet, "Nice=")
	check(ec.OomScoreAdjustSet, "OOMScoreAdjust=")
	check(len(ec.Limits) > 0, "Limit*=")
	check(ec.CpuSchedulingPolicy != "", "CPUSchedulingPolicy=")
	check(ec.NoNewPrivileges, "NoNewPrivileges=")
	check(len(ec.CapabilityBoundingSet) > 0, "CapabilityBoundingSet=")
	check(len(ec.AmbientCapabilities) > 0, "AmbientCapabilities=")
	check(len(ec.Directories) > 0, "*Directory= (runtime, state, cache, logs, configuration)")
	check(ec.PrivateTmp, "PrivateTmp=")
	check(ec.StandardInput != "" && ec.StandardInput != "null", "StandardInput=")
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("exec: this host cannot apply %s yet; refusing to run the command without it", strings.Join(names, ", "))
}
