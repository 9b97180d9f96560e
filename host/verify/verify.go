// Package verify loads unit files the way the core does, without a running core: the loader reads them from the
// search path (under an offline root, if asked), and each type's plugin binary parses them, so the problems
// found are the ones a boot would log: bad settings that make a unit fail to load, and the directives sysmaster
// reads but does not support (reported, never ignored silently). sysmaster-migrate's report and
// `sctl analyze verify` are built on it.
package verify

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/plugin"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Options say what to load.
type Options struct {
	// Root is prefixed to every path (an offline root file system); "" or "/" is this system.
	Root string
	// UnitPaths and PluginDir are as the core sees them (system.conf's), relative to Root.
	UnitPaths []string
	PluginDir string
	// Names are the units to load; empty means every unit file in the search path (a template as its
	// "instance" instance, so that its directives are checked).
	Names []string
}

// Problem is one finding about a unit.
type Problem struct {
	Unit    string
	Error   bool   // the unit does not load (bad-setting, not-found, error); else a warning
	Message string // file:line: [Section] Key: what is wrong, as the core logs it
}

// Unsupported tells a warning about a directive sysmaster reads but does not support (what a migration must
// report) from other warnings (a deprecated spelling, an unknown key in an X- section, …).
func (p Problem) Unsupported() bool {
	return strings.Contains(p.Message, "is not supported") || strings.Contains(p.Message, "Unknown key name") ||
		strings.Contains(p.Message, "not enforced")
}

// Run loads the units and returns how many it loaded and what is wrong with them, sorted by unit; units without
// problems are not listed.
func Run(o Options) (checked int, problems []Problem, err error) {
	root := o.Root
	if root == "/" {
		root = ""
	}
	r, err := reaper.New(func(reaper.Exit) {})
	if err != nil {
		return 0, nil, err
	}
	defer r.Close()
	sockets, err := os.MkdirTemp("", "sysmaster-verify-")
	if err != nil {
		return 0, nil, err
	}
	defer os.RemoveAll(sockets)
	cfg := config.Default()
	cfg.PluginDir = root + o.PluginDir
	plugins := plugin.NewManager(r, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), sockets, nil)
	defer plugins.StopAll()

	paths := make([]string, len(o.UnitPaths))
	for i, p := range o.UnitPaths {
		paths[i] = root + p
	}
	ld := &unit.Loader{Paths: paths, TypeSections: func(typ string) ([]string, error) {
		if !plugins.Known(typ) {
			return nil, fmt.Errorf("unit type %q is not supported: no plugin at %s", typ, o.PluginDir+"/"+typ)
		}
		d, err := plugins.Describe(typ)
		if err != nil {
			return nil, err
		}
		return d.Sections, nil
	}}
	names := o.Names
	if len(names) == 0 {
		files, err := ld.ListFiles()
		if err != nil {
			return 0, nil, err
		}
		for _, f := range files {
			if f.Masked || f.Alias {
				continue
			}
			name := f.Name
			if unitname.IsTemplate(name) {
				name, _ = unitname.Instantiate(name, "instance")
			}
			names = append(names, name)
		}
	}
	// The messages name files as the core would see them: without the offline root.
	clean := func(s string) string {
		if root == "" {
			return s
		}
		return strings.ReplaceAll(s, root+"/", "/")
	}
	var out []Problem
	byType := map[string][]*unit.Fragment{}
	for _, n := range names {
		f := ld.Load(n)
		for _, w := range f.Warnings {
			out = append(out, Problem{Unit: f.Name, Message: clean(w.Error())})
		}
		if f.LoadError != nil {
			out = append(out, Problem{Unit: f.Name, Error: true, Message: clean(f.LoadError.Error())})
			continue
		}
		if f.LoadState == unit.Loaded {
			typ := unitname.Type(f.Name)
			byType[typ] = append(byType[typ], f)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, typ := range types {
		frags := byType[typ]
		req := make([]*pb.UnitFile, len(frags))
		for i, f := range frags {
			req[i] = &pb.UnitFile{Unit: &pb.UnitInfo{Name: f.Name, Names: f.Names, Description: f.Unit.Description,
				DefaultDependencies: f.Unit.DefaultDependencies, FragmentPath: f.FragmentPath},
				Sections: unit.WireSections(f.TypeSections)}
		}
		res, err := plugins.Parse(typ, req)
		if err != nil {
			for _, f := range frags {
				out = append(out, Problem{Unit: f.Name, Error: true, Message: err.Error()})
			}
			continue
		}
		for i, p := range res {
			for _, pr := range p.Problems {
				e := &unitfile.Error{File: pr.File, Line: int(pr.Line), Section: pr.Section, Key: pr.Key, Msg: pr.Message}
				out = append(out, Problem{Unit: frags[i].Name, Error: pr.Severity != pb.Problem_SEVERITY_WARNING,
					Message: clean(e.Error())})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return len(names), out, nil
}

// Summary counts the units with problems: those that do not load, and those that load with directives sysmaster
// does not support, and the directives (by key, across units) most often unsupported.
func Summary(ps []Problem) (failing, unsupported int, keys map[string]int) {
	bad, uns := map[string]bool{}, map[string]bool{}
	keys = map[string]int{}
	for _, p := range ps {
		switch {
		case p.Error:
			bad[p.Unit] = true
		case p.Unsupported():
			uns[p.Unit] = true
			if k := keyOf(p.Message); k != "" {
				keys[k]++
			}
		}
	}
	return len(bad), len(uns), keys
}

// keyOf is the key of a "file:line: [Section] Key: message" text.
func keyOf(msg string) string {
	_, rest, ok := strings.Cut(msg, "] ")
	if !ok {
		return ""
	}
	k, _, ok := strings.Cut(rest, ":")
	if !ok || strings.ContainsAny(k, " /") {
		return ""
	}
	return k
}
