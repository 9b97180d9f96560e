package timer

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// FuzzParse: no [Timer] section makes Parse panic; a result is either refused or decodes, with a unit to start.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"OnCalendar\x00daily", "OnBootSec\x0015min", "OnCalendar\x00Mon..Fri 25:00",
		"RandomizedDelaySec\x0012h", "Unit\x00x.service", "OnCalendar\x00", "AccuracySec\x000"} {
		f.Add(s, "OnUnitActiveSec", "1d")
	}
	f.Fuzz(func(t *testing.T, kv, k2, v2 string) {
		k, v := kv, ""
		for i := range kv {
			if kv[i] == 0 {
				k, v = kv[:i], kv[i+1:]
				break
			}
		}
		res := parse("f.timer", k+"="+v, k2+"="+v2)
		if res.Failed() {
			return
		}
		var c Config
		if err := sdk.DecodeJSON(res.Config, &c); err != nil || c.Unit == "" {
			t.Fatalf("%q %q: config %s: %v", kv, k2+"="+v2, res.Config, err)
		}
	})
}
