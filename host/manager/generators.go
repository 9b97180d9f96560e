package manager

import (
	"os"
	"path/filepath"
	"time"

	"github.com/sysmaster/sysmaster/host/generator"
)

// generatorTimeout bounds a run of the generators, as systemd's DEFAULT_TIMEOUT_USEC does.
const generatorTimeout = 90 * time.Second

// runGenerators runs the generators (at boot and at each daemon-reload, before the unit files are read) into
// the run directory's generator, generator.early and generator.late, which searchPath puts on the search
// path. It runs on the loop, as systemd's manager waits for its generators; their processes go through the
// reaper, and a slow or failing one is logged and skipped.
func (m *Manager) runGenerators() {
	r := &generator.Runner{
		Dirs: []string{filepath.Join(m.opts.RunDir, "system-generators"),
			filepath.Join(filepath.Dir(m.opts.ConfigPath), "system-generators"), "/usr/lib/sysmaster/system-generators"},
		Out:     generator.OutDirs(m.opts.RunDir),
		Timeout: generatorTimeout,
		Reaper:  m.reaper,
		Log:     m.log,
		Env:     os.Environ(),
	}
	r.Run()
}
