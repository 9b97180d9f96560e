package service

import (
	"sort"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// FuzzParseConfig feeds random [Service] sections: one entry per line, the key taken modulo the known keys
// (or used as written when it is not a number) so that every directive gets random values.
func FuzzParseConfig(f *testing.F) {
	f.Add("ExecStart=/bin/true\nType=oneshot\nLimitNOFILE=1:2")
	f.Add("0=-@/bin/sh x $A\n17=1G\nEnvironment=\"A=1 2\" B\nFoo=bar")
	f.Add("CapabilityBoundingSet=~CAP_KILL\nStandardInputData=aGk=\nMemoryMax=50%\nCPUQuota=10%")
	keys := exec.Keys()
	for k := range directives {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f.Fuzz(func(t *testing.T, text string) {
		sec := &sdk.Section{Name: "Service"}
		for i, line := range strings.Split(text, "\n") {
			k, v, _ := strings.Cut(line, "=")
			if k == "" {
				continue // the host never sends an entry without a key
			}
			if n := 0; strings.Trim(k, "0123456789") == "" {
				for _, d := range k[:min(len(k), 6)] {
					n = n*10 + int(d-'0')
				}
				k = keys[n%len(keys)]
			}
			sec.Entries = append(sec.Entries, &sdk.Entry{Key: k, Value: v, File: "f", Line: int32(i + 1)})
		}
		res := &sdk.ParseResult{}
		c := parseWith(&sdk.ParseRequest{Sections: []*sdk.Section{sec}}, res, testEnv())
		for _, p := range res.Problems {
			if p.Line != 0 && (p.File != "f" || p.Key == "") {
				t.Fatalf("problem without its place: %+v", p)
			}
		}
		if res.Failed() {
			return
		}
		if c.Type != "oneshot" && len(c.ExecStart) != 1 {
			t.Fatalf("Type=%s with %d ExecStart= loaded", c.Type, len(c.ExecStart))
		}
		for _, cmd := range append(c.ExecStart, c.ExecStop...) {
			if cmd.Path == "" || len(cmd.Argv) == 0 {
				t.Fatalf("empty command %+v", cmd)
			}
			cmd.Expand([]string{"A=1 2"})
		}
		for _, kv := range c.Exec.Environment {
			if !exec.ValidEnvAssignment(kv) {
				t.Fatalf("bad assignment %q", kv)
			}
		}
	})
}
