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
	if _, err := os.Stat(inSystem(s, "/run/credentials/creds.service")); !os.IsNotExist(err) {
		t.Errorf("the credentials stay after stop: %v", err)
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
