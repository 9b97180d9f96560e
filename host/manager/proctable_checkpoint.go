package manager

import (
	"fmt"
	"strings"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// procRecord is the process table's part of a unit's checkpoint record: the unit's live processes, its main
// and control pid and ExecMain*.
type procRecord struct {
	MainPid    int                 `json:"main_pid,omitempty"`
	ControlPid int                 `json:"control_pid,omitempty"`
	Children   map[int]childRecord `json:"children,omitempty"`
	ExecMain   execMainRecord      `json:"exec_main"`
	Finished   []finishedProc      `json:"finished,omitempty"`
}

type childRecord struct {
	ID    string      `json:"id,omitempty"`
	Role  roleName    `json:"role"`
	Argv  []string    `json:"argv,omitempty"`
	Path  string      `json:"path,omitempty"`
	Start stampRecord `json:"start"`
}

// roleName is a child's role saved by name: "main", "control", "helper".
type roleName pb.Role

func (r roleName) MarshalText() ([]byte, error) {
	name, ok := pb.Role_name[int32(r)]
	if !ok {
		return nil, fmt.Errorf("no name for process role %d", int32(r))
	}
	return []byte(strings.ToLower(strings.TrimPrefix(name, "ROLE_"))), nil
}

func (r *roleName) UnmarshalText(b []byte) error {
	v, ok := pb.Role_value["ROLE_"+strings.ToUpper(string(b))]
	if !ok || strings.ToLower(string(b)) != string(b) {
		return fmt.Errorf("unknown process role %q", b)
	}
	*r = roleName(v)
	return nil
}

type execMainRecord struct {
	Pid    int         `json:"pid,omitempty"`
	Start  stampRecord `json:"start"`
	Exit   stampRecord `json:"exit"`
	Code   int         `json:"code,omitempty"`
	Status int         `json:"status,omitempty"`
}

// save returns u's part.
func (pt *procTable) save(u *Unit) procRecord {
	r := procRecord{MainPid: u.MainPid, ControlPid: u.ControlPid,
		ExecMain: execMainRecord{Pid: u.execMain.pid, Start: rec(u.execMain.start), Exit: rec(u.execMain.exit),
			Code: u.execMain.code, Status: u.execMain.status}, Finished: u.finished}
	if len(u.children) > 0 {
		r.Children = map[int]childRecord{}
		for pid, c := range u.children {
			r.Children[pid] = childRecord{ID: c.id, Role: roleName(c.role), Argv: c.argv, Path: c.path, Start: rec(c.start)}
		}
	}
	return r
}

// restore puts u's processes back, in the table too, so that their exits (from init, which adopted them, or
// from the reaper after a re-execution) reach u.
func (pt *procTable) restore(u *Unit, r procRecord) {
	u.MainPid, u.ControlPid = r.MainPid, r.ControlPid
	u.execMain = execMain{pid: r.ExecMain.Pid, start: r.ExecMain.Start.stamp(), exit: r.ExecMain.Exit.stamp(),
		code: r.ExecMain.Code, status: r.ExecMain.Status}
	u.finished = r.Finished
	for pid, c := range r.Children {
		u.addChild(pid, child{id: c.ID, role: pb.Role(c.Role), argv: c.Argv, path: c.Path, start: c.Start.stamp()})
		pt.owner[pid] = u
	}
}
