package service

import (
	"os"
	"reflect"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// The config bytes leave zero fields out, and the bytes of releases that spelled every field
// (testdata/*-config-v1.json, written by the service plugin before omitzero for the same lines) decode to the
// same Config: a checkpoint of an earlier release keeps working.
func TestConfigBytes(t *testing.T) {
	for _, tc := range []struct {
		v1    string
		lines []string
		max   int
	}{
		{"testdata/oneshot-config-v1.json", []string{"Type=oneshot", "ExecStart=/bin/true", "RemainAfterExit=yes"}, 700},
		{"testdata/notify-config-v1.json", []string{"Type=notify", "ExecStartPre=-/bin/true a", "ExecStart=/bin/sleep 1",
			"ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "RestartSec=3", "SuccessExitStatus=3 SIGUSR1",
			"TimeoutStartSec=0", "Environment=A=1", "EnvironmentFile=-/etc/x", "User=nobody", "MemoryMax=1G",
			"KillMode=mixed", "Slice=x.slice", "LimitNOFILE=100", "RuntimeDirectory=r"}, 1300},
	} {
		c := clean(t, tc.lines...)
		b := sdk.EncodeJSON(c)
		if len(b) > tc.max {
			t.Errorf("%s: %d config bytes, want at most %d: %s", tc.v1, len(b), tc.max, b)
		}
		var now Config
		if err := sdk.DecodeJSON(b, &now); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(now, c) {
			t.Errorf("%s: the config does not survive its bytes:\n got %+v\nwant %+v", tc.v1, now, c)
		}
		v1, err := os.ReadFile(tc.v1)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, %d before", tc.v1, len(b), len(v1))
		if len(v1) <= len(b) {
			t.Errorf("%s: %d bytes before, %d now", tc.v1, len(v1), len(b))
		}
		var old Config
		if err := sdk.DecodeJSON(v1, &old); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(old, c) {
			t.Errorf("%s: the earlier release's bytes decode otherwise:\n got %+v\nwant %+v", tc.v1, old, c)
		}
	}
}
