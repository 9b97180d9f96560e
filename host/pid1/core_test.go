package pid1

import (
	"reflect"
	"syscall"
	"testing"
	"time"
)

func TestRestartDelay(t *testing.T) {
	ms := time.Millisecond
	want := []time.Duration{0, 100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5000 * ms, 5000 * ms}
	for n, w := range want {
		if got := restartDelay(n); got != w {
			t.Errorf("restartDelay(%d) = %v, want %v", n, got, w)
		}
	}
	if got := restartDelay(1 << 30); got != backoffMax {
		t.Errorf("restartDelay(huge) = %v", got)
	}
}

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		ran     []time.Duration // how long each core ran before it died
		helloed bool            // whether they said hello
		want    []time.Duration // the delays before the restarts
	}{
		{"crash loop", []time.Duration{0, 10 * ms, 0, 5 * ms}, false, []time.Duration{0, 100 * ms, 200 * ms, 400 * ms}},
		{"long run resets", []time.Duration{0, 0, 0, 10 * time.Second, 0}, false, []time.Duration{0, 100 * ms, 200 * ms, 0, 100 * ms}},
		{"just short of the reset", []time.Duration{0, 9 * time.Second}, false, []time.Duration{0, 100 * ms}},
		{"served a second", []time.Duration{time.Second, 2 * time.Second, time.Second}, true, []time.Duration{0, 0, 0}},
		{"hello then a quick death", []time.Duration{0, 500 * ms, 900 * ms}, true, []time.Duration{0, 100 * ms, 200 * ms}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b backoff
			var got []time.Duration
			for _, r := range tc.ran {
				got = append(got, b.next(r, tc.helloed))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("delays %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCoreEnv(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want []string
	}{
		{"kernel's", []string{"HOME=/", "TERM=linux"}, []string{defaultPath, "HOME=/", "TERM=linux"}},
		{"PATH replaced", []string{"PATH=/opt/bin", "LANG=C.UTF-8"}, []string{defaultPath, "LANG=C.UTF-8"}},
		{"empty", nil, []string{defaultPath}},
		{"PATHX kept", []string{"PATHX=1"}, []string{defaultPath, "PATHX=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := coreEnv(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWatchdogTick(t *testing.T) {
	for _, tc := range []struct{ timeout, want time.Duration }{
		{15 * time.Second, time.Second},
		{2 * time.Second, 500 * time.Millisecond},
		{time.Millisecond, 10 * time.Millisecond},
	} {
		if got := watchdogTick(tc.timeout); got != tc.want {
			t.Errorf("watchdogTick(%v) = %v, want %v", tc.timeout, got, tc.want)
		}
	}
}

func TestSigName(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		want string
	}{
		{syscall.SIGTERM, "SIGTERM"},
		{syscall.SIGINT, "SIGINT"},
		{syscall.Signal(34), "SIGRTMIN+0"},
		{syscall.Signal(38), "SIGRTMIN+4"},
		{syscall.Signal(64), "SIGRTMIN+30"},
		{syscall.Signal(99), "signal 99"},
	} {
		if got := sigName(tc.sig); got != tc.want {
			t.Errorf("sigName(%d) = %q, want %q", int(tc.sig), got, tc.want)
		}
	}
}

func TestHeartbeatTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"", 0, ""},
		{"1s", time.Second, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"15", 0, `pid1: SYSMASTER_HEARTBEAT_TIMEOUT="15" is not a positive duration`},
		{"-1s", 0, `pid1: SYSMASTER_HEARTBEAT_TIMEOUT="-1s" is not a positive duration`},
		{"0s", 0, `pid1: SYSMASTER_HEARTBEAT_TIMEOUT="0s" is not a positive duration`},
	} {
		d, err := heartbeatTimeout(tc.in)
		if d != tc.want || (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("heartbeatTimeout(%q) = %v, %v; want %v, %q", tc.in, d, err, tc.want, tc.err)
		}
	}
}
