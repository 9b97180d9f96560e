package job

import "fmt"

// Mode is how a transaction treats the jobs already installed (systemctl --job-mode).
type Mode string

const (
	Fail                Mode = "fail"
	Replace             Mode = "replace"
	ReplaceIrreversibly Mode = "replace-irreversibly"
	Isolate             Mode = "isolate"
	Flush               Mode = "flush"
	IgnoreDependencies  Mode = "ignore-dependencies"
	IgnoreRequirements  Mode = "ignore-requirements"
	Triggering          Mode = "triggering"
	RestartDependencies Mode = "restart-dependencies"
)

// ParseMode accepts the names of --job-mode; empty means replace.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return Replace, nil
	case Fail, Replace, ReplaceIrreversibly, Isolate, Flush, IgnoreDependencies, IgnoreRequirements, Triggering, RestartDependencies:
		return m, nil
	}
	return "", fmt.Errorf("job: unknown job mode %q", s)
}
