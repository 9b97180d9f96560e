package service

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// The settings come back in systemd's property names and formats.
func TestProperties(t *testing.T) {
	var entries []*sdk.Entry
	for i, kv := range [][2]string{
		{"ExecStart", "-/bin/sleep 10"}, {"User", "nobody"}, {"LimitNOFILE", "1024:4096"}, {"TimeoutStartSec", "90"},
		{"TimeoutStopSec", "infinity"}, {"MemoryMax", "32M"}, {"TasksMax", "32"}, {"UMask", "0027"},
		{"SuccessExitStatus", "7 SIGHUP"}, {"RuntimeDirectory", "foo"}, {"RuntimeDirectoryMode", "0700"},
	} {
		entries = append(entries, &sdk.Entry{Key: kv[0], Value: kv[1], File: "x.service", Line: int32(i + 1)})
	}
	res := &sdk.ParseResult{}
	c := parseConfig(&sdk.ParseRequest{Sections: []*sdk.Section{{Name: "Service", Entries: entries}}}, res)
	if res.Failed() {
		t.Fatal(res.Problems)
	}
	p := c.properties()
	for k, want := range map[string]string{
		"Type": "simple", "User": "nobody", "LimitNOFILE": "4096", "LimitNOFILESoft": "1024",
		"TimeoutStartUSec": "1min 30s", "TimeoutStopUSec": "infinity", "MemoryMax": "33554432", "TasksMax": "32",
		"UMask": "0027", "SuccessExitStatus": "7 SIGHUP", "RuntimeDirectory": "foo", "RuntimeDirectoryMode": "0700",
		"ExecStart": "{ path=\"/bin/sleep\" ; argv[]=\"/bin/sleep\" \"10\" ; flags=ignore-failure }", "KillMode": "control-group",
		"NotifyAccess": "none", "RestartUSec": "100ms", "CPUWeight": "[not set]", "NRestarts": "0",
	} {
		if p[k] != want {
			t.Errorf("%s=%q, want %q", k, p[k], want)
		}
	}
}
