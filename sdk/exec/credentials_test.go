package exec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

func TestCredentials(t *testing.T) {
	x, _, _, res := parseLines("LoadCredential=a:/etc/a.key", "LoadCredential=b", "LoadCredential=c:sysctl.extra",
		"SetCredential=a:default\\nvalue", "LoadCredential=a:/etc/a2.key", "SetCredentialEncrypted=e:Zm9v",
		"SetCredential=s:x:y")
	if len(res.Problems) != 0 {
		t.Fatalf("%v", res.Problems)
	}
	want := []sdk.Credential{{ID: "a", Path: "/etc/a2.key"}, {ID: "b", Path: "b"}, {ID: "c", Path: "sysctl.extra"},
		{ID: "a", Data: []byte("default\nvalue")}, {ID: "e", Data: []byte("Zm9v"), Encrypted: true},
		{ID: "s", Data: []byte("x:y")}}
	if !reflect.DeepEqual(x.Exec.Credentials, want) {
		t.Errorf("%+v", x.Exec.Credentials)
	}
	// An empty assignment resets its own kind only.
	x, _, _, _ = parseLines("LoadCredential=a:/x", "SetCredential=b:1", "LoadCredential=")
	if !reflect.DeepEqual(x.Exec.Credentials, []sdk.Credential{{ID: "b", Data: []byte("1")}}) {
		t.Errorf("%+v", x.Exec.Credentials)
	}
}

func TestCredentialsBadInput(t *testing.T) {
	for _, l := range []string{"LoadCredential=a/b:/x", "LoadCredential=a:/x/../y", "LoadCredential=a:rel/path",
		"LoadCredential=..", "SetCredential=novalue", "SetCredential=a/b:v", "SetCredential=a:\\q"} {
		x, _, _, res := parseLines("LoadCredential=keep:/k", l)
		if !res.Failed() || len(res.Problems) != 1 || res.Problems[0].Line != 2 || res.Problems[0].File != "/u/a.test" ||
			!strings.Contains(res.Problems[0].Message, strings.SplitN(l, "=", 2)[0]) {
			t.Errorf("%q: %v", l, res.Problems)
		}
		if !reflect.DeepEqual(x.Exec.Credentials, []sdk.Credential{{ID: "keep", Path: "/k"}}) {
			t.Errorf("%q changed the credentials: %+v", l, x.Exec.Credentials)
		}
	}
}

func FuzzCredentials(f *testing.F) {
	for _, s := range []string{"LoadCredential=a:/b", "LoadCredential=x", "SetCredential=a:\\x41b", "SetCredential=a:",
		"LoadCredentialEncrypted=k:/etc/k.cred"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if !strings.Contains(line, "=") {
			return
		}
		x, _, _, _ := parseLines(line)
		for _, c := range x.Exec.Credentials {
			if !credentialNameValid(c.ID) || c.Path != "" && !credentialNameValid(c.Path) && !NormalPath(c.Path) {
				t.Fatalf("%q: %+v", line, c)
			}
		}
	})
}
