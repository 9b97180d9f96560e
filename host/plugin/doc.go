// Package plugin runs the unit-type plugins: one process per unit type, launched through go-plugin the first
// time a unit of the type must be loaded or handled, its binary checked against the sha256 pinned in the
// configuration (system.conf or its plugin profile) before every launch.
//
// The processes are started through the core's reaper (a go-plugin runner that never waits itself), so that the
// core keeps a single waiter, with SIGKILL as their parent-death signal. A plugin that dies is noticed by its
// exit or by the call that fails; the next call launches it again. Calls of one type (Handle, Parse) go to its
// plugin one at a time and are bounded by the call timeout (Plugins.CallTimeoutSec): a plugin that has not
// answered by then is killed, which is a crash like any other; its answers are bounded by MaxResponseBytes. The
// manager may be called from any goroutine: the core calls Handle beside its loop, so that a hung plugin holds
// up its own type only. Crashes are counted per type (Backoff): a
// type that crashes too often is backed off, and its calls fail fast with ErrBackoff until the delay is over.
// A plugin without calls for the idle timeout is stopped when the core agrees (OnIdle, StopIdle), and a plugin
// can be replaced live (Prepare, Install). The manager keeps no unit state: the core holds it, which is why
// none of this loses anything.
//
// A typical swap, as the core does it:
//
//	np, err := m.Prepare("service", "/usr/lib/sysmaster/plugins/service.new") // beside the running plugin
//	if err != nil {
//		return err // pin, handshake or protocol refused: the old plugin serves on
//	}
//	parsed, err := np.Parse(units) // the new config bytes
//	// … on the core's loop, between two turns: apply parsed, then
//	old, err := m.Install(np) // the next Handle goes to np; old is stopped
package plugin
