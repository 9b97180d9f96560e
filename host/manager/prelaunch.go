package manager

import (
	"os"
	"slices"

	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// prelaunchBoot starts, off the loop, the plugins a boot of the default unit target will ask for: the mount,
// device and slice types (the mount table's units, udev's devices and their slices) and every type of the
// default unit's closure as its files name it. The load that makes the units waits for the generators, and
// launching the plugins of the types it meets only then put a launch (process start, handshake, Describe: tens
// of milliseconds on a busy machine) after the generators on the boot's path; the closure is read here, beside
// the generators, with a loader of its own that asks no plugin and touches no state of the loop. It is a hint:
// the load reads the units again after the generators, and a type only they bring in is launched then, as before.
func (m *Manager) prelaunchBoot(target string) {
	m.prelaunch("mount", "slice", "device", unitname.Type(target))
	host, _ := os.Hostname()
	l := &unit.Loader{Paths: m.searchPath(), Hostname: host, MachineID: readTrim("/etc/machine-id"),
		BootID: readTrim("/proc/sys/kernel/random/boot_id")}
	// The loop may reload the configuration while the closure is read: the goroutine keeps the one of now.
	cfg, plugins := m.cfg, m.plugins
	served := func(typ string) bool { return cfg.AllowedType(typ) == nil && plugins.Known(typ) }
	go func() {
		defer l.Batch()()
		for _, typ := range closureTypes(l, target, served) {
			go func() { _ = plugins.Launch(typ) }()
		}
	}()
}

// closureTypes reads the units the files name from target on, transitively, as the load does before any plugin
// is asked, and returns the types of those that have a file (the ones the load launches a plugin for), a type
// whose units run processes bringing the slice type. served says which types may be launched at all.
func closureTypes(l *unit.Loader, target string, served func(string) bool) []string {
	seen := map[string]bool{}
	var types []string
	add := func(typ string) {
		if !slices.Contains(types, typ) && served(typ) {
			types = append(types, typ)
		}
	}
	pending := []string{target}
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		f := l.Read(name)
		if !f.Unchecked() {
			continue
		}
		typ := unitname.Type(f.Name)
		add(typ)
		if slices.Contains(sliceTypes, typ) {
			add("slice")
		}
		for _, others := range f.Unit.Deps {
			pending = append(pending, others...)
		}
	}
	return types
}
