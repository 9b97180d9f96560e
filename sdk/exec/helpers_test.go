package exec

import (
	"strings"

	"github.com/sysmaster/sysmaster/sdk"
)

// testEnv resolves "sh" and "true" to /bin, knows 8 GiB of memory and a pid_max of 4194304.
func testEnv() LoadEnv {
	return LoadEnv{
		LookPath: func(name string) (string, bool) {
			if name == "sh" || name == "true" {
				return "/bin/" + name, true
			}
			return "", false
		},
		Memory: func() (uint64, error) { return 8 << 30, nil },
		PidMax: func() (uint64, error) { return 4194304, nil },
	}
}

// parseLines parses "Key=Value" lines of a [Test] section written in /u/a.test with every shared key known.
func parseLines(lines ...string) (ExecSettings, KillSettings, CgroupConfig, *sdk.ParseResult) {
	sec := &sdk.Section{Name: "Test"}
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		sec.Entries = append(sec.Entries, &sdk.Entry{Key: k, Value: v, File: "/u/a.test", Line: int32(i + 1)})
	}
	res := &sdk.ParseResult{}
	x, k, g := DefaultExec(), DefaultKill(), DefaultCgroup()
	p := NewParser(res, "Test", testEnv(), &x, &k, &g)
	p.Run(sec, nil)
	p.Finish()
	return x, k, g, res
}
