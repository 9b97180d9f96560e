package specifier

import (
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"strings"
	"testing"
)

type peerCase struct {
	Unit        string          `json:"unit"`
	InstallName string          `json:"install_info_name"`
	Scope       string          `json:"scope"`
	Pattern     string          `json:"pattern"`
	Expect      json.RawMessage `json:"expect"`
	Match       string          `json:"match"`
	ExpectError bool            `json:"expect_error"`
}

// systemValues: the unit_printf specifiers whose expected values are those of the user manager the
// original test runs; sysmaster is a system manager and gives the system manager's values, which the test
// checks instead (the same as systemd's system manager gives).
var systemValues = map[string]string{
	"m->prefix[EXEC_DIRECTORY_CACHE]":         "/var/cache",
	"m->prefix[EXEC_DIRECTORY_CONFIGURATION]": "/etc",
	"m->prefix[EXEC_DIRECTORY_LOGS]":          "/var/log",
	"m->prefix[EXEC_DIRECTORY_STATE]":         "/var/lib",
	"m->prefix[EXEC_DIRECTORY_RUNTIME]":       "/run",
	"home":                                    "/root",
	"shell":                                   "/bin/sh",
	"user":                                    "root",
	"uid":                                     "0",
	"group":                                   "root",
	"gid":                                     "0",
}

// unsupported: the deprecated cgroup specifiers, which systemd 252 no longer documents (docs/time.md).
var unsupported = map[string]bool{"%c": true, "%r": true, "%R": true}

func hostValue(t *testing.T, what string, u Unit) string {
	t.Helper()
	if v, ok := systemValues[what]; ok {
		return v
	}
	switch what {
	case "architecture":
		return architecture()
	case "hostname", "host":
		return u.Hostname
	case "short_hostname":
		short, _, _ := strings.Cut(u.Hostname, ".")
		return short
	case "pretty_hostname":
		if v := keyValue("/etc/machine-info", "PRETTY_HOSTNAME"); v != "" {
			return v
		}
		return u.Hostname
	case "machine_id", "mid":
		return u.MachineID
	case "boot_id", "bid":
		return u.BootID
	case "os_id":
		return osRelease("ID")
	case "os_version_id":
		return osRelease("VERSION_ID")
	case "os_variant_id":
		return osRelease("VARIANT_ID")
	case "os_build_id":
		return osRelease("BUILD_ID")
	case "os_image_id":
		return osRelease("IMAGE_ID")
	case "os_image_version":
		return osRelease("IMAGE_VERSION")
	case "tmp_dir":
		return tmpDir("/tmp")
	case "var_tmp_dir":
		return tmpDir("/var/tmp")
	case "filename":
		return u.Path
	}
	t.Fatalf("no host value for %q", what)
	return ""
}

func hostUnit(t *testing.T, name, path string) Unit {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	mid, _ := os.ReadFile("/etc/machine-id")
	bid, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return Unit{Name: name, Path: path, Hostname: h, MachineID: strings.TrimSpace(string(mid)),
		BootID: strings.ReplaceAll(strings.TrimSpace(string(bid)), "-", "")}
}

// TestPeerUnitPrintf: systemd's unit_printf cases (78) and install_printf cases (38) against the host's resolver.
// The user-scope [Install] cases expect the user running the test, which is root here as for the system manager;
// the global-scope ones (no user to name) do not apply to a system manager and are counted, not run.
func TestPeerUnitPrintf(t *testing.T) {
	b, err := os.ReadFile("testdata/specifier-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Unit    struct{ Cases []peerCase } `json:"unit_printf"`
		Install struct{ Cases []peerCase } `json:"install_printf"`
	}
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Unit.Cases) != 78 || len(data.Install.Cases) != 38 {
		t.Fatalf("%d unit_printf and %d install_printf cases, want 78 and 38", len(data.Unit.Cases), len(data.Install.Cases))
	}
	if u, err := user.Current(); err != nil || u.Uid != "0" {
		t.Fatalf("the [Install] cases expect root (running as %v, %v)", u, err)
	}
	t.Setenv("TMPDIR", "")
	t.Setenv("TEMP", "")
	t.Setenv("TMP", "")
	fragment := "/tmp/blah.service" // as the original's temporary fragment: only its name is used
	ran, skipped := 0, 0
	run := func(kind string, i int, c peerCase, u Unit) {
		t.Run(fmt.Sprintf("%s/%d/%s/%s", kind, i, u.Name, c.Pattern), func(t *testing.T) {
			got, err := Expand(c.Pattern, u.Resolver())
			if c.ExpectError {
				if err == nil {
					t.Fatalf("%s: %q, want an error", c.Pattern, got)
				}
				return
			}
			var want string
			var host struct {
				HostDependent string `json:"host_dependent"`
			}
			if json.Unmarshal(c.Expect, &want) != nil {
				if err := json.Unmarshal(c.Expect, &host); err != nil {
					t.Fatal(err)
				}
				want = hostValue(t, host.HostDependent, u)
			}
			if err != nil {
				t.Fatalf("%s: %v", c.Pattern, err)
			}
			if c.Match == "fnmatch" {
				// The patterns are "*" and a fixed tail; fnmatch without FNM_PATHNAME lets "*" match "/".
				if !strings.HasPrefix(want, "*") || !strings.HasSuffix(got, want[1:]) {
					t.Fatalf("%s = %q, want a match of %q", c.Pattern, got, want)
				}
			} else if got != want {
				t.Fatalf("%s = %q, want %q", c.Pattern, got, want)
			}
		})
		ran++
	}
	for i, c := range data.Unit.Cases {
		if unsupported[c.Pattern] {
			skipped++
			continue
		}
		run("unit", i, c, hostUnit(t, c.Unit, fragment))
	}
	for i, c := range data.Install.Cases {
		if c.Scope == "global" {
			skipped++
			continue
		}
		run("install", i, c, hostUnit(t, c.InstallName, "/run/systemd/system/name.service"))
	}
	t.Logf("%d cases run, %d not applicable (%%c %%r %%R; global scope)", ran, skipped)
	if ran+skipped != 116 || skipped != 9+4 {
		t.Fatalf("ran %d, skipped %d", ran, skipped)
	}
}
