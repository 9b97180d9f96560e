package mount

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// State is what the host keeps for one mount between events. The zero value is a mount that never started.
type State struct {
	control.State // Sub, Result, and the running command (Phase, Index)
	// ReloadResult is how the last remount ended (systemd's ReloadResult=); "" reads success.
	ReloadResult string `json:",omitempty"`
	// Mounted says the file system is mounted at Where=: set by the mount command's success and cleared by the
	// umount command's, and set or cleared by the host's MountChanged events, which win when they come.
	Mounted bool `json:",omitempty"`
	// StartPending is a start that came while the mount was being unmounted: it runs once the umount is over.
	StartPending bool `json:",omitempty"`
}

// Sub-states, systemd's mount states (mount_state_table).
const (
	subDead              = "dead"
	subMounting          = "mounting"
	subMountingDone      = "mounting-done"
	subMounted           = "mounted"
	subRemounting        = "remounting"
	subUnmounting        = "unmounting"
	subRemountingSigterm = "remounting-sigterm"
	subRemountingSigkill = "remounting-sigkill"
	subUnmountingSigterm = "unmounting-sigterm"
	subUnmountingSigkill = "unmounting-sigkill"
	subFailed            = "failed"
)

// activeOf maps the sub-states to the generic states, as systemd's state_translation_table.
var activeOf = map[string]sdk.ActiveState{
	subDead: sdk.Inactive, subMounting: sdk.Activating, subMountingDone: sdk.Activating, subMounted: sdk.Active,
	subRemounting: sdk.Reloading, subUnmounting: sdk.Deactivating, subRemountingSigterm: sdk.Reloading,
	subRemountingSigkill: sdk.Reloading, subUnmountingSigterm: sdk.Deactivating,
	subUnmountingSigkill: sdk.Deactivating, subFailed: sdk.Failed,
}
