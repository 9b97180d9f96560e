// Package harness runs a sysmaster under test: the tree `make install` builds, with init as PID 1 of a fresh
// PID and mount namespace (unshare --pid --mount --fork), a fresh tmpfs on /run, the installed tree bound over
// /usr/lib/sysmaster, a per-test directory over /etc/sysmaster and another over /var/lib/sysmaster (the state a
// boot writes: random seed, timer stamps). Tests write unit files and system.conf, start
// the manager, and drive it with the real sctl entered into the namespace (nsenter). Many can run side by side.
//
// It needs root, util-linux (unshare, nsenter) and make; the empty directories /usr/lib/sysmaster,
// /etc/sysmaster and /var/lib/sysmaster are created on the host as mount points if they do not exist.
package harness
