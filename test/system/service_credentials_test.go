package system

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// LoadCredential= and SetCredential= as a service sees them: $CREDENTIALS_DIRECTORY holds the files, 0400 and the
// service user's; the directory goes when the unit stops. An encrypted credential fails the start with 243.
func TestServiceCredentials(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"creds.service": `[Service]
Type=oneshot
RemainAfterExit=yes
User=daemon
RuntimeDirectory=creds
LoadCredential=conf:/etc/sysmaster/cred.txt
SetCredential=token:abc
ExecStart=/bin/sh -c 'cd "$CREDENTIALS_DIRECTORY" && stat -c "%%n %%a %%U" * > /run/creds/out && cat conf token >> /run/creds/out && echo "$CREDENTIALS_DIRECTORY" >> /run/creds/out'
`,
		"encrypted.service": "[Service]\nType=oneshot\nLoadCredentialEncrypted=k:/etc/sysmaster/cred.txt\nExecStart=/bin/true\n",
	}})
	s.WriteFile("cred.txt", "from a file\n")
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "creds.service"); code != 0 {
		t.Fatalf("start: %d %s\n%s", code, errs, unitLogs(s, "creds.service"))
	}
	out, err := s.ReadFile("/run/creds/out")
	if err != nil {
		t.Fatal(err)
	}
	want := "conf 400 daemon\ntoken 400 daemon\nfrom a file\nabc/run/credentials/creds.service\n"
	if out != want {
		t.Errorf("the service saw:\n%s\nwant:\n%s", out, want)
	}
	if _, errs, code := s.Sctl("stop", "creds.service"); code != 0 {
		t.Fatalf("stop: %d %s", code, errs)
	}
	if !s.WaitFor(10*time.Second, func() bool {
		_, err := os.Stat(inSystem(s, "/run/credentials/creds.service"))
		return os.IsNotExist(err)
	}) {
		t.Error("the credentials stay after stop")
	}
	if _, _, code := s.Sctl("start", "encrypted.service"); code == 0 {
		t.Fatal("a service with LoadCredentialEncrypted= started")
	}
	if got := s.Show("encrypted.service", "ExecMainStatus"); got != "243" {
		t.Errorf("ExecMainStatus=%s, want 243", got)
	}
	if logs := unitLogs(s, "encrypted.service"); !strings.Contains(logs, "LoadCredentialEncrypted=k") {
		t.Errorf("the log does not name the directive:\n%s", logs)
	}
}

// PrivateUsers= as a service sees it: root and its user mapped to themselves, nothing else; SystemCallLog= is
// accepted and not reported as unenforced.
func TestServicePrivateUsers(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"userns.service": `[Service]
Type=oneshot
RemainAfterExit=yes
User=daemon
PrivateUsers=yes
SystemCallLog=uname
RuntimeDirectory=userns
ExecStart=/bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map > /run/userns/map'
`,
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "userns.service"); code != 0 {
		t.Fatalf("start: %d %s\n%s", code, errs, unitLogs(s, "userns.service"))
	}
	out, err := s.ReadFile("/run/userns/map")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(out); strings.Join(f, " ") != "0 0 1 1 1 1 0 0 1 1 1 1" {
		t.Errorf("maps:\n%s", out)
	}
	if w := s.Show("userns.service", "UnenforcedDirectives"); w != "" {
		t.Errorf("UnenforcedDirectives=%s", w)
	}
}

// JoinsNamespaceOf=: two services share the network namespace (and /tmp) of the one started first; a third,
// unrelated, has its own. The namespace goes with the last of them.
func TestServiceJoinsNamespaceOf(t *testing.T) {
	t.Parallel()
	unit := func(extra string) string {
		return "[Unit]\n" + extra + "\n[Service]\nType=simple\nPrivateNetwork=yes\nPrivateTmp=yes\n" +
			"ExecStart=/bin/sh -c 'readlink /proc/self/ns/net > /run/ns-$0; ls /tmp > /run/tmp-$0; touch /tmp/$0; exec sleep 1000' %N\n"
	}
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"first.service":  unit(""),
		"second.service": unit("JoinsNamespaceOf=first.service"),
		"other.service":  unit(""),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	read := func(name string) string {
		var out string
		if !s.WaitFor(10*time.Second, func() bool {
			b, err := s.ReadFile("/run/" + name)
			out = strings.TrimSpace(b)
			return err == nil && out != ""
		}) {
			t.Fatalf("/run/%s never written", name)
		}
		return out
	}
	for _, u := range []string{"first", "second", "other"} {
		if _, errs, code := s.Sctl("start", u+".service"); code != 0 {
			t.Fatalf("start %s: %s", u, errs)
		}
		read("ns-" + u) // one after the other: second sees first's /tmp file
	}
	host, _ := os.Readlink("/proc/self/ns/net")
	first, second, other := read("ns-first"), read("ns-second"), read("ns-other")
	if first != second || first == other || first == host || other == host {
		t.Errorf("net namespaces: first %s second %s other %s host %s", first, second, other, host)
	}
	if got := read("tmp-second"); got != "first" {
		t.Errorf("second's /tmp holds %q, want first's file", got)
	}
	// first stops: second keeps the namespace; then second stops and it goes.
	s.Sctl("stop", "first.service")
	nsFiles := func() []string {
		ents, _ := os.ReadDir(inSystem(s, "/run/sysmaster/namespaces"))
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	if n := nsFiles(); len(n) != 2 { // first's (kept for second) and other's
		t.Errorf("after first stopped: %v", n)
	}
	s.Sctl("stop", "second.service")
	// The core cleans up once the unit is down, which may come just after the job's end.
	if !s.WaitFor(10*time.Second, func() bool {
		n := nsFiles()
		return len(n) == 1 && strings.Contains(n[0], "other.service")
	}) {
		t.Errorf("after second stopped: %v", nsFiles())
	}
}
