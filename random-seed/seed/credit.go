package seed

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// mayCredit decides whether the seed read from f counts as entropy, and says why not when it does not.
func (o Options) mayCredit(f *os.File, trusted, readOnly bool) (bool, string) {
	switch v := strings.ToLower(o.Credit); v {
	case "force":
		return true, ""
	case "", "1", "yes", "y", "true", "t", "on":
	case "0", "no", "n", "false", "f", "off":
		return false, "SYSMASTER_RANDOM_SEED_CREDIT=" + o.Credit
	default:
		o.logf("SYSMASTER_RANDOM_SEED_CREDIT=%s is neither a boolean nor \"force\"; not crediting.", o.Credit)
		return false, "SYSMASTER_RANDOM_SEED_CREDIT=" + o.Credit + " not understood"
	}
	if !trusted {
		return false, "the seed file could be read or written by others"
	}
	if readOnly {
		return false, "the seed file is on a read-only file system, so the same seed would be credited again"
	}
	if o.firstBoot() {
		return false, "first boot (a seed that came with the image is not trusted)"
	}
	buf := make([]byte, 16)
	n, err := unix.Fgetxattr(int(f.Fd()), CreditableXattr, buf)
	if err != nil {
		return false, "no " + CreditableXattr + " marker (the seed was not written from getrandom by random-seed)"
	}
	if !isTrue(string(buf[:n])) {
		return false, CreditableXattr + "=" + string(buf[:n])
	}
	return true, ""
}

// firstBoot tells the machine's first boot as the core's ConditionFirstBoot= does: init marked it, or, where no
// init of ours set the machine up (a container), /etc/machine-id is missing or empty.
func (o Options) firstBoot() bool {
	if o.FirstBootMarker != "" {
		if _, err := os.Stat(o.FirstBootMarker); err == nil {
			return true
		}
	}
	if o.MachineID != "" {
		st, err := os.Stat(o.MachineID)
		return err != nil || st.Size() == 0
	}
	return false
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}
