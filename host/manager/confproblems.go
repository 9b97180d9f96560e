package manager

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// noteConfigProblems logs what config.Load found wrong with system.conf, checks that the unit search path
// exists, and keeps both for the control API, which hands them to sctl with Reload and Show (api.WarningHeader),
// so that a system.conf that does not parse or a unit directory that does not exist is not only on the console.
// A directory under the manager's run directory is not checked: /run/sysmaster/system appears when something is
// first written there, as systemd's /run/systemd/system does.
func (m *Manager) noteConfigProblems(problems []error) {
	m.confProblems = m.confProblems[:0]
	for _, p := range problems {
		m.log.Warn(p.Error())
		m.confProblems = append(m.confProblems, p.Error())
	}
	for _, dir := range m.cfg.UnitPaths {
		if strings.HasPrefix(dir, filepath.Clean(m.opts.RunDir)+"/") {
			continue
		}
		if _, err := os.Stat(dir); err != nil {
			why := err.Error()
			if errors.Is(err, os.ErrNotExist) {
				why = "no such directory"
			}
			msg := fmt.Sprintf("config: Manager.UnitPaths entry %s: %s; units there cannot be found", dir, why)
			m.log.Warn(msg)
			m.confProblems = append(m.confProblems, msg)
		}
	}
}
