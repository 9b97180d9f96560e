package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// The manager environment (systemd's manager_set_environment): variables sctl set-environment adds, passed to
// every process the core spawns for a unit, before the unit's own Environment=. systemd starts it from its own
// environment; the core starts it empty, since PATH and the rest of a unit's base environment are the executor's
// (host/exec's buildEnv), and nothing init or the harness left in the core's environment is meant for services.

// environmentBlob names the checkpoint blob that keeps the manager environment across a reexec or a crash.
const environmentBlob = "environment"

// SetEnvironment carries out set-environment, unset-environment and import-environment.
func (l local) SetEnvironment(ctx context.Context, unset, set []string) error {
	return l.m.doErr(ctx, func() error {
		env, err := changeEnvironment(l.m.environ, unset, set)
		if err != nil {
			return errdefs.InvalidArgument(err)
		}
		l.m.environ = env
		l.m.reloadsDirty = true // commit the turn: the environment rides in the same checkpoint
		return nil
	})
}

// changeEnvironment applies unset (NAME, or NAME=VALUE: only when the value matches, as systemd's
// strv_env_unset_many and UnsetAndSetEnvironment do) and then set (NAME=VALUE) to env; a bad entry changes nothing.
func changeEnvironment(env, unset, set []string) ([]string, error) {
	for _, u := range unset {
		name, _, _ := strings.Cut(u, "=")
		if !validEnvName(name) {
			return nil, fmt.Errorf("Invalid environment variable name: %s", u)
		}
	}
	for _, s := range set {
		name, _, ok := strings.Cut(s, "=")
		if !ok || !validEnvName(name) {
			return nil, fmt.Errorf("Invalid environment assignment: %s", s)
		}
	}
	out := slices.Clone(env)
	out = slices.DeleteFunc(out, func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		for _, u := range unset {
			if u == name || u == kv {
				return true
			}
		}
		return false
	})
	for _, s := range set {
		name, _, _ := strings.Cut(s, "=")
		if i := slices.IndexFunc(out, func(kv string) bool { return strings.HasPrefix(kv, name+"=") }); i >= 0 {
			out[i] = s
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// validEnvName is systemd's env_name_is_valid: letters, digits and underscores, not starting with a digit.
func validEnvName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// saveEnvironment and restoreEnvironment keep the manager environment in the checkpoint.
func (m *Manager) saveEnvironment(blobs map[string][]byte) {
	blobs[environmentBlob], _ = json.Marshal(m.environ)
}

func (m *Manager) restoreEnvironment(blobs map[string][]byte) {
	if b := blobs[environmentBlob]; b != nil {
		_ = json.Unmarshal(b, &m.environ)
	}
}
