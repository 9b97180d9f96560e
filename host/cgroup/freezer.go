package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// FreezerState is systemd's FreezerState property: running, freezing, frozen or thawing.
type FreezerState string

const (
	FreezerRunning  FreezerState = "running"
	FreezerFreezing FreezerState = "freezing"
	FreezerFrozen   FreezerState = "frozen"
	FreezerThawing  FreezerState = "thawing"
)

// Freeze asks the kernel to freeze (or thaw) the unit's cgroup and everything below it. Freezing is not
// instantaneous: the state goes through freezing (thawing) until FreezerStateOf says frozen (running). cgroup v2's
// cgroup.freeze is used where the unit has a cgroup2 directory (Unified mode, and the controller-less hierarchy of
// Hybrid mode); in Legacy mode the v1 freezer controller, in which the unit's processes are placed first.
func (h *Hierarchy) Freeze(unit string, freeze bool) error {
	if err := checkUnit(unit); err != nil {
		return err
	}
	if p, ok := h.freezeFile(unit); ok {
		v := "0"
		if freeze {
			v = "1"
		}
		return writeFile(p, v)
	}
	d := h.v1["freezer"]
	if d == nil {
		return fmt.Errorf("cgroup: %s: %w", h.Path(unit), errors.ErrUnsupported)
	}
	p := filepath.Join(d.path, unit)
	if err := h.joinV1(unit, p); err != nil {
		return err
	}
	v := "THAWED"
	if freeze {
		v = "FROZEN"
	}
	return writeFile(filepath.Join(p, "freezer.state"), v)
}

// FreezerStateOf reads the unit's freezer state from the kernel, so that it survives a restart of the core: on
// cgroup v2 from what was asked (cgroup.freeze) and what is (the "frozen" key of cgroup.events), on v1 from
// freezer.state (THAWED, FREEZING, FROZEN). A unit without a cgroup is running.
func (h *Hierarchy) FreezerStateOf(unit string) FreezerState {
	if checkUnit(unit) != nil {
		return FreezerRunning
	}
	if p, ok := h.freezeFile(unit); ok {
		want, _ := os.ReadFile(p)
		frozen, _ := keyOf(filepath.Join(filepath.Dir(p), "cgroup.events"), "frozen")
		switch w := strings.TrimSpace(string(want)) == "1"; {
		case w && frozen == "1":
			return FreezerFrozen
		case w:
			return FreezerFreezing
		case frozen == "1":
			return FreezerThawing
		}
		return FreezerRunning
	}
	if d := h.v1["freezer"]; d != nil {
		b, _ := os.ReadFile(filepath.Join(d.path, unit, "freezer.state")) // none: never frozen
		switch strings.TrimSpace(string(b)) {
		case "FROZEN":
			return FreezerFrozen
		case "FREEZING":
			return FreezerFreezing
		}
	}
	return FreezerRunning
}

// freezeFile is the unit's cgroup.freeze, when it has a cgroup2 directory that has one (Linux ≥ 5.2).
func (h *Hierarchy) freezeFile(unit string) (string, bool) {
	if h.unified == nil {
		return "", false
	}
	p := filepath.Join(h.unified.path, unit, "cgroup.freeze")
	return p, exists(p)
}

// joinV1 makes the unit's directory p in a v1 controller hierarchy it had none in and moves its processes there,
// as Update does for a setting that needs a new controller.
func (h *Hierarchy) joinV1(unit, p string) error {
	if err := os.MkdirAll(p, 0o755); err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	pids, err := h.Pids(unit)
	if err != nil {
		return err
	}
	for _, pid := range pids {
		err := writeFile(filepath.Join(p, "cgroup.procs"), strconv.Itoa(pid))
		if err != nil && !errors.Is(err, syscall.ESRCH) {
			return err
		}
	}
	return nil
}

// keyOf reads the value of key in a flat-keyed cgroup file ("populated 1\nfrozen 0\n").
func keyOf(p, key string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			return v, nil
		}
	}
	return "", fmt.Errorf("cgroup: %s: no %q: %w", p, key, fs.ErrNotExist)
}
