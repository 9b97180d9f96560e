package exec

import (
	"fmt"
	"path/filepath"

	"github.com/sysmaster/sysmaster/host/exec/executor"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/utmp"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// What a process leaves behind it, which the host removes when its unit is down: the executor makes it, and
// names it, in package executor.

// CredentialsDir holds each unit's $CREDENTIALS_DIRECTORY.
const CredentialsDir = executor.CredentialsDir

// RemoveCredentials unmounts and removes the unit's credentials directory; a missing one is no error.
func RemoveCredentials(unit string) error { return executor.RemoveCredentials(unit) }

// RemovePrivateTmp removes the PrivateTmp= directories and the PrivateNetwork=/PrivateIPC= namespaces of the
// unit's activation; missing ones are no error.
func RemovePrivateTmp(unit, invocationID string) error {
	return executor.RemovePrivateTmp(unit, invocationID)
}

// HasPrivateState reports whether a process started with ec leaves something of its invocation for
// RemovePrivateTmp: PrivateTmp= directories, or a namespace of PrivateNetwork= or PrivateIPC=.
func HasPrivateState(ec *pb.ExecContext) bool {
	if ec.GetFullPrivileges() {
		return false
	}
	sb := ec.GetSandbox()
	return ec.GetPrivateTmp() || sb.GetPrivateNetwork() || sb.GetPrivateIpc()
}

// UtmpFile and WtmpFile are where UtmpIdentifier= records go (variables for the tests).
var (
	UtmpFile = utmp.UtmpPath
	WtmpFile = utmp.WtmpPath
)

// utmpDead wraps sink to mark UtmpIdentifier='s record dead at the process's exit (systemd's
// utmp_put_dead_process), before the exit is handed on.
func utmpDead(ec *pb.ExecContext, sink reaper.Sink) reaper.Sink {
	id := ec.GetUtmpIdentifier()
	if id == "" {
		return sink
	}
	utmpFile, wtmpFile := UtmpFile, WtmpFile
	return func(e reaper.Exit) {
		if err := utmp.PutDead(utmpFile, wtmpFile, id, e.Pid, int(e.Code), e.Status); err != nil {
			fmt.Fprintf(Console, "sysmaster: UtmpIdentifier=%s: %s: %v\n", id, filepath.Base(utmpFile), err)
		}
		sink(e)
	}
}

// TTYReset is what TTYVHangup=, TTYReset= and TTYVTDisallocate= do to a unit's terminal; the core applies it
// again when the unit has gone down.
type TTYReset = executor.TTYReset

// TTYResetOf is ec's terminal reset, nil when it asks for none.
func TTYResetOf(ec *pb.ExecContext) *TTYReset {
	return executor.TTYResetOf(&toSpec(&pb.Spawn{Exec: ec}).Exec)
}
