package unit

import (
	"time"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// LoadState is how loading a unit went, with systemd's names.
type LoadState string

const (
	Loaded     LoadState = "loaded"
	NotFound   LoadState = "not-found"
	BadSetting LoadState = "bad-setting"
	Error      LoadState = "error"
	Masked     LoadState = "masked"
)

// Fragment is everything the files say about one unit.
type Fragment struct {
	Name         string   // the unit's id, after alias resolution
	Names        []string // the id first, then aliases
	LoadState    LoadState
	LoadError    error   // *unitfile.Error where a file is known; nil when loaded
	Warnings     []error // unknown keys and the like: logged, the unit still loads
	FragmentPath string
	DropInPaths  []string
	Unit         UnitSection
	Install      InstallSection
	TypeSections []*unitfile.Section // the type's own sections, drop-ins merged, specifiers expanded
	// ModTimes holds the modification time of every file and directory consulted that exists, so that a
	// change on disk can be noticed (NeedDaemonReload).
	ModTimes []ModTime

	unchecked string // the name Read was asked for, until Finish has checked the type's sections
}

// ModTime is the modification time of a file or directory a fragment was read from. A fragment holds a few (its
// file, drop-ins, the directories looked at): a list costs a unit less than a map.
type ModTime struct {
	Path string
	Time time.Time
}

// noteModTime records path's modification time, replacing one noted before.
func (f *Fragment) noteModTime(path string, t time.Time) {
	for i := range f.ModTimes {
		if f.ModTimes[i].Path == path {
			f.ModTimes[i].Time = t
			return
		}
	}
	f.ModTimes = append(f.ModTimes, ModTime{path, t})
}

// UnitSection is the interpreted [Unit] section.
type UnitSection struct {
	Description              string
	Documentation            []string
	SourcePath               string
	Deps                     map[DepKind][]string
	DefaultDependencies      bool
	StopWhenUnneeded         bool
	RefuseManualStart        bool
	RefuseManualStop         bool
	AllowIsolate             bool
	IgnoreOnIsolate          bool
	CollectMode              string
	OnFailureJobMode         string
	OnSuccessJobMode         string
	JobTimeout               time.Duration
	JobRunningTimeout        time.Duration
	JobTimeoutAction         string
	JobTimeoutRebootArgument string
	StartLimitInterval       time.Duration
	StartLimitBurst          int
	StartLimitAction         string
	SuccessAction            string
	FailureAction            string
	SuccessActionExitStatus  int
	FailureActionExitStatus  int
	Conditions, Asserts      []Condition
	// RequiresMountsFor are absolute paths whose mount units the unit requires and is ordered after.
	RequiresMountsFor []string
}

// Condition is one Condition…= or Assert…= line.
type Condition struct {
	Kind    string // "PathExists", without the Condition/Assert prefix
	Assert  bool
	Trigger bool // "|"
	Negate  bool // "!"
	Param   string
	File    string
	Line    int
}

// InstallSection is the interpreted [Install] section.
type InstallSection struct {
	WantedBy, RequiredBy, UpheldBy, Alias, Also []string
	DefaultInstance                             string
}
