package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// validEnvName reports whether s is a variable name systemd accepts: letters, digits and "_", not starting
// with a digit.
func validEnvName(s string) bool {
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

// validEnvAssignment reports whether s is NAME=VALUE with a valid name and a value of valid UTF-8 without NUL.
func validEnvAssignment(s string) bool {
	k, v, ok := strings.Cut(s, "=")
	return ok && validEnvName(k) && utf8.ValidString(v) && !strings.ContainsRune(v, 0)
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
func (p *parser) environment(e *sdk.Entry) {
	if strings.TrimSpace(e.Value) == "" {
		p.c.Exec.Environment = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape|unitfile.SplitRelax)
	if err != nil {
		p.bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !validEnvAssignment(w) {
			p.res.Warnf(e, section, e.Key, "Invalid environment assignment %q in %s=%q, ignoring", w, e.Key, e.Value)
			continue
		}
		p.c.Exec.Environment = setEnv(p.c.Exec.Environment, w)
	}
}

// environmentFile takes one absolute path or glob, with "-" when it may be missing; an empty value resets.
func (p *parser) environmentFile(e *sdk.Entry) {
	if e.Value == "" {
		p.c.EnvironmentFiles = nil
		return
	}
	f := EnvironmentFile{Path: e.Value}
	if strings.HasPrefix(f.Path, "-") {
		f.Path, f.Optional = f.Path[1:], true
	}
	if !normalPath(f.Path) {
		p.bad(e, "not an absolute normalized path")
		return
	}
	p.c.EnvironmentFiles = append(p.c.EnvironmentFiles, f)
}

// passEnvironment and unsetEnvironment take space-separated names (unsetEnvironment also NAME=VALUE); invalid
// ones are warned about and skipped; an empty value resets.
func (p *parser) passEnvironment(e *sdk.Entry) { p.envNames(e, &p.c.PassEnvironment, false) }

func (p *parser) unsetEnvironment(e *sdk.Entry) { p.envNames(e, &p.c.UnsetEnvironment, true) }

func (p *parser) envNames(e *sdk.Entry, dst *[]string, assignments bool) {
	if strings.TrimSpace(e.Value) == "" {
		*dst = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape|unitfile.SplitRelax)
	if err != nil {
		p.bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !validEnvName(w) && !(assignments && validEnvAssignment(w)) {
			p.res.Warnf(e, section, e.Key, "Invalid environment variable name %q in %s=%q, ignoring", w, e.Key, e.Value)
			continue
		}
		*dst = appendUnique(*dst, w)
	}
}

// Environment returns the environment of a process of the service, computed at spawn time as systemd does:
// variables named in PassEnvironment= that the plugin process itself has, then Environment=, then each
// EnvironmentFile= read now (in order; a glob's matches in lexical order), then UnsetEnvironment= removes
// names and exact NAME=VALUE assignments, and last extra (MAINPID=, LISTEN_FDS=, … from the plugin), which
// UnsetEnvironment= does not touch. A later assignment of a name replaces an earlier one where it stands. A
// missing file that is not optional is an error.
func (c *Config) Environment(extra []string) ([]string, error) {
	var env []string
	for _, name := range c.PassEnvironment {
		if v, ok := os.LookupEnv(name); ok {
			env = setEnv(env, name+"="+v)
		}
	}
	if c.Exec != nil {
		for _, kv := range c.Exec.Environment {
			env = setEnv(env, kv)
		}
	}
	for _, f := range c.EnvironmentFiles {
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
	if len(c.UnsetEnvironment) > 0 {
		kept := env[:0]
		for _, kv := range env {
			k, _, _ := strings.Cut(kv, "=")
			if !contains(c.UnsetEnvironment, k) && !contains(c.UnsetEnvironment, kv) {
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
