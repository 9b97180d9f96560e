package system

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// A burst of 1,000 StartUnit and StopUnit calls (issue 18), through testdata/dbusburst (godbus) run in the
// manager's namespaces: on the private socket and on the system bus, on one connection and on many, with and
// without Subscribe.

const burstUnits = 1000

// burstUnitFiles are burstUnits oneshot services PREFIX-0000.service …, which stay active once started.
func burstUnitFiles(prefix string) map[string]string {
	units := map[string]string{}
	for i := 0; i < burstUnits; i++ {
		units[fmt.Sprintf("%s-%04d.service", prefix, i)] = "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
	}
	return units
}

// runBurst runs dbusburst in the namespaces of PID 1 pid and returns the time until every call was answered and
// until every job had ended.
func runBurst(bin string, pid int, args ...string) (answered, done time.Duration, err error) {
	out, err := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(pid), "-m", "-p", "--", bin}, args...)...).CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("dbusburst %s: %v: %s", strings.Join(args, " "), err, out)
	}
	var a, d int64
	if _, err := fmt.Sscan(string(out), &a, &d); err != nil {
		return 0, 0, fmt.Errorf("dbusburst %s: %q: %v", strings.Join(args, " "), out, err)
	}
	return time.Duration(a), time.Duration(d), nil
}

// Every call of a burst is answered and every job's JobRemoved comes, on the private socket and on the bus (where
// dbus-daemon lets one connection wait for at most 128 answers, as with systemd: a burst there is spread over
// connections). A burst once hung: the answer to StartUnit could reach the client after the JobRemoved of its job,
// which a client that waits for its jobs (systemctl, dbusburst) ignores as a job it does not know.
func TestDBusBurst(t *testing.T) {
	t.Parallel()
	units := burstUnitFiles("b")
	for k, v := range busUnits {
		units[k] = v
	}
	bin := harness.BuildPlugin(t, "test/system/testdata/dbusburst", t.TempDir())
	s := harness.Start(t, harness.Options{Units: units})
	s.WriteFile("bus.conf", busConfig)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "dbus.service")
	waitBusName(t, s)
	for _, c := range [][]string{
		{"-subscribe"},
		{"-conns", "20", "-subscribe"},
		{"-conns", "20"},
		{"-bus", testBus, "-conns", "20", "-subscribe"},
	} {
		for _, m := range []string{"StartUnit", "StopUnit"} {
			answered, done, err := runBurst(bin, s.InitPid, append(c, "-timeout", "100s", m, "b", strconv.Itoa(burstUnits))...)
			if err != nil {
				t.Fatalf("%v; console:\n%s", err, s.Console())
			}
			t.Logf("%v %s: answered in %v, done in %v", c, m, answered, done)
		}
		if out, _, _ := s.Sctl("list-units", "--state=active", "--no-legend", "b-*"); out != "" {
			t.Fatalf("%v: units still active after the stop burst:\n%s", c, out)
		}
	}
}
