package socket

import (
	"sort"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// FuzzParseConfig feeds random [Socket] sections: one entry per line, the key taken modulo the known keys (or
// used as written when it is not a number) so that every directive gets random values. A loaded unit must be
// one the state machine can run: listeners with ids, a service to trigger or acceptable listeners.
func FuzzParseConfig(f *testing.F) {
	f.Add("ListenStream=80\nAccept=yes\nMaxConnections=3")
	f.Add("ListenStream=[::1]:80%lo\nListenFIFO=/run/f\nSymlinks=/run/l\n0=x\n17=1K")
	f.Add("ListenDatagram=vsock:2:3\nService=a.service\nFileDescriptorName=x\nExecStartPre=-/bin/true")
	f.Add("ListenNetlink=kobject-uevent 1\nReceiveBuffer=128M\nPassCredentials=yes\nListenNetlink=audit 1 2")
	keys := exec.Keys()
	for k := range directives {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f.Fuzz(func(t *testing.T, text string) {
		sec := &sdk.Section{Name: "Socket"}
		for i, line := range strings.Split(text, "\n") {
			k, v, _ := strings.Cut(line, "=")
			if k == "" {
				continue
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
		c := parseWith(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "x.socket"}, Sections: []*sdk.Section{sec}}, res, testEnv())
		for _, p := range res.Problems {
			if p.Line != 0 && (p.File != "f" || p.Key == "") {
				t.Fatalf("problem without its place: %+v", p)
			}
		}
		if res.Failed() {
			return
		}
		// A socket whose only listeners are of a kind sysmaster cannot open (ListenMessageQueue=, …) loads as in
		// systemd; its start fails.
		if len(c.Listen)+len(c.Unsupported) == 0 || c.MaxConnections == 0 {
			t.Fatalf("loaded without listeners or connections: %+v", c)
		}
		for i, l := range c.Listen {
			if l.ID == "" || l.Family == "" || l.Address == "" || (l.Type == "") != (l.Family == "fifo") {
				t.Fatalf("listener %d: %+v", i, l)
			}
			if c.Accept && !l.canAccept() {
				t.Fatalf("Accept=yes with %+v", l)
			}
		}
		if !c.Accept && !strings.HasSuffix(c.Service, ".service") || c.Accept && c.Service != "" {
			t.Fatalf("Accept=%v Service=%q", c.Accept, c.Service)
		}
		if c.Options["FileDescriptorName"] == "" || strings.Contains(c.Options["FileDescriptorName"], ":") {
			t.Fatalf("options %v", c.Options)
		}
		_ = c.properties()
	})
}
