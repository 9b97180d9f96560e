package manager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// sctl clean: remove the directories an inactive unit's RuntimeDirectory=, StateDirectory=, CacheDirectory=,
// LogsDirectory= and ConfigurationDirectory= name (systemd's unit_clean). The unit's plugin reported them as the
// properties of those names, relative to each kind's base directory. As systemd's
// exec_context_get_clean_directories, the private twin of each (BASE/private/DIR, where DynamicUser=yes keeps the
// directory, BASE/DIR being a symlink to it) goes too, whether the unit has DynamicUser= or not: a directory
// systemd made for a dynamic user is cleaned by sysmaster as well. Configuration directories have no twin.

// cleanBases maps a kind of systemctl clean --what= to its directive and base directory.
var cleanBases = map[string]struct{ property, base string }{
	"runtime":       {"RuntimeDirectory", "/run"},
	"state":         {"StateDirectory", "/var/lib"},
	"cache":         {"CacheDirectory", "/var/cache"},
	"logs":          {"LogsDirectory", "/var/log"},
	"configuration": {"ConfigurationDirectory", "/etc"},
}

func (l local) Clean(ctx context.Context, names []string, what []string) ([]string, error) {
	var dirs []string
	err := l.m.doErr(ctx, func() error {
		units, err := l.m.resolve(names)
		if err != nil {
			return err
		}
		for _, u := range units {
			found, err := l.m.cleanable(u, what)
			if err != nil {
				return err
			}
			dirs = append(dirs, found...)
		}
		for _, u := range units {
			l.m.unitLogf(u, 6, "%s: Cleaning %s.", u.ID, strings.Join(what, ", "))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Off the loop: a cache can be large. The units were checked inactive; a start meanwhile finds its
	// directories gone or not, as with systemd's cleaning process.
	var removed []string
	for _, d := range dirs {
		if _, err := os.Lstat(d); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.RemoveAll(d); err != nil {
			return removed, err
		}
		removed = append(removed, d)
	}
	return removed, nil
}

// cleanable returns u's directories of the kinds in what, after systemd's checks and with its messages.
func (m *Manager) cleanable(u *Unit, what []string) ([]string, error) {
	if u.LoadState != unit.Loaded || m.passive(u) {
		return nil, errdefs.FailedPrecondition(fmt.Errorf("Unit '%s' does not support cleaning.", u.ID))
	}
	if u.Active != unit.Inactive && u.Active != unit.Failed || m.engine.Get(u.ID) != nil {
		return nil, errdefs.FailedPrecondition(errors.New("Unit is not inactive or has pending job."))
	}
	var out []string
	for _, kind := range what {
		b, ok := cleanBases[kind]
		if !ok {
			return nil, errdefs.InvalidArgument(fmt.Errorf("Invalid clean resource type %q", kind))
		}
		paths, _ := u.Settings.get(b.property)
		for _, rel := range strings.Fields(paths) {
			p := filepath.Join(b.base, filepath.Clean("/"+rel))
			if p == b.base {
				continue
			}
			out = append(out, p) // a symlink to the private twin is removed, not followed
			if kind != "configuration" {
				out = append(out, filepath.Join(b.base, "private", filepath.Clean("/"+rel)))
			}
		}
	}
	if len(out) == 0 {
		return nil, errdefs.FailedPrecondition(errors.New("No matching resources found."))
	}
	return out, nil
}
