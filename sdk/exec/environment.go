package exec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// ValidEnvName reports whether s is a variable name systemd accepts: letters, digits and "_", not starting
// with a digit.
func ValidEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// ValidEnvAssignment reports whether s is NAME=VALUE with a valid name and a value of valid UTF-8 without NUL.
func ValidEnvAssignment(s string) bool {
	k, v, ok := strings.Cut(s, "=")
	return ok && ValidEnvName(k) && utf8.ValidString(v) && !strings.ContainsRune(v, 0)
}

// setEnv sets kv (NAME=VALUE) in env: an earlier assignment of the name is replaced where it stands.
func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	for i, x := range env {
		if strings.HasPrefix(x, k+"=") {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

// environment parses Environment=: several assignments per line, quoted as in `"A=1 2" B=3`, C escapes
// interpreted; an invalid assignment is warned about and skipped, an empty value resets.
func (p *Parser) environment(e *sdk.Entry) {
	if strings.TrimSpace(e.Value) == "" {
		p.x.Exec.Environment = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape|unitfile.SplitRelax)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !ValidEnvAssignment(w) {
			p.Res.Warnf(e, p.Section, e.Key, "Invalid environment assignment %q in %s=%q, ignoring", w, e.Key, e.Value)
			continue
		}
		p.x.Exec.Environment = setEnv(p.x.Exec.Environment, w)
	}
}

// environmentFile takes one absolute path or glob, with "-" when it may be missing; an empty value resets.
func (p *Parser) environmentFile(e *sdk.Entry) {
	if e.Value == "" {
		p.x.EnvironmentFiles = nil
		return
	}
	f := EnvironmentFile{Path: e.Value}
	if strings.HasPrefix(f.Path, "-") {
		f.Path, f.Optional = f.Path[1:], true
	}
	if !NormalPath(f.Path) {
		p.Bad(e, "not an absolute normalized path")
		return
	}
	p.x.EnvironmentFiles = append(p.x.EnvironmentFiles, f)
}

// passEnvironment and unsetEnvironment take space-separated names (unsetEnvironment also NAME=VALUE); invalid
// ones are warned about and skipped; an empty value resets.
func (p *Parser) passEnvironment(e *sdk.Entry) { p.envNames(e, &p.x.PassEnvironment, false) }

func (p *Parser) unsetEnvironment(e *sdk.Entry) { p.envNames(e, &p.x.UnsetEnvironment, true) }

func (p *Parser) envNames(e *sdk.Entry, dst *[]string, assignments bool) {
	if strings.TrimSpace(e.Value) == "" {
		*dst = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape|unitfile.SplitRelax)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !ValidEnvName(w) && !(assignments && ValidEnvAssignment(w)) {
			p.Res.Warnf(e, p.Section, e.Key, "Invalid environment variable name %q in %s=%q, ignoring", w, e.Key, e.Value)
			continue
		}
		*dst = AppendUnique(*dst, w)
	}
}

// Environment returns the environment of a process of the unit, computed at spawn time as systemd does:
// TERM for a process on a terminal (DefaultTerm), variables named in PassEnvironment= that the plugin process itself has, then Environment=, then each
// EnvironmentFile= read now (in order; a glob's matches in lexical order), then UnsetEnvironment= removes
// names and exact NAME=VALUE assignments, and last extra (MAINPID=, LISTEN_FDS=, … from the plugin), which
// UnsetEnvironment= does not touch. A later assignment of a name replaces an earlier one where it stands. A
// missing file that is not optional is an error.
func (x *ExecSettings) Environment(extra []string) ([]string, error) {
	var env []string
	// $TERM is one of the manager's own variables: everything below overrides it.
	if x.Exec != nil && needsTerm(x.Exec) {
		env = append(env, "TERM="+DefaultTerm(x.Exec.TTYPath))
	}
	for _, name := range x.PassEnvironment {
		if v, ok := os.LookupEnv(name); ok {
			env = setEnv(env, name+"="+v)
		}
	}
	if x.Exec != nil {
		for _, kv := range x.Exec.Environment {
			env = setEnv(env, kv)
		}
	}
	for _, f := range x.EnvironmentFiles {
		paths := []string{f.Path}
		if strings.ContainsAny(f.Path, "*?[") {
			m, err := filepath.Glob(f.Path)
			if err != nil {
				return nil, fmt.Errorf("environment file %s: %v", f.Path, err)
			}
			if len(m) == 0 && !f.Optional {
				return nil, fmt.Errorf("environment file %s: no file matches", f.Path)
			}
			paths = m
		}
		for _, path := range paths {
			b, err := os.ReadFile(path)
			if err != nil {
				if f.Optional && os.IsNotExist(err) {
					continue
				}
				return nil, fmt.Errorf("environment file: %v", err)
			}
			for _, kv := range parseEnvFile(string(b)) {
				env = setEnv(env, kv)
			}
		}
	}
	if len(x.UnsetEnvironment) > 0 {
		kept := env[:0]
		for _, kv := range env {
			k, _, _ := strings.Cut(kv, "=")
			if !contains(x.UnsetEnvironment, k) && !contains(x.UnsetEnvironment, kv) {
				kept = append(kept, kv)
			}
		}
		env = kept
	}
	for _, kv := range extra {
		env = setEnv(env, kv)
	}
	return env, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
