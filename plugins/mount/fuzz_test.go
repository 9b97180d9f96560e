package mount

import (
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// FuzzParse: any [Mount] section parses to a config or to problems, without panicking, and a config that
// parsed drives a start and a stop.
func FuzzParse(f *testing.F) {
	f.Add("mnt-a.mount", "What=/dev/sda1\nWhere=/mnt/a\nType=ext4\nOptions=nofail,_netdev\nDirectoryMode=0700\nTimeoutSec=3s")
	f.Add("-.mount", "What=x\nWhere=//\nLazyUnmount=yes\nKillMode=none")
	f.Add(`a\x2db.mount`, "What=LABEL=x\nWhere=/a-b\nSloppyOptions=1")
	f.Fuzz(func(t *testing.T, name, text string) {
		res := parse(name, strings.Split(text, "\n")...)
		if res.Failed() {
			return
		}
		u := &sdk.Unit{Name: name, Config: res.Config, Runtime: &sdk.Runtime{}}
		for _, ev := range []sdk.EventKind{&sdk.EventStart{}, &sdk.EventStop{}, &sdk.EventTimerFired{ID: "timeout"}} {
			if err := (mountType{}).Handle(u, &sdk.Event{Kind: ev}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
