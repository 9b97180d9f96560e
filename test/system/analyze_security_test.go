package system

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// securityUnits are Debian's units whose sandboxes `sctl analyze security` rates here beside
// `systemd-analyze security --offline=true` of systemd 252, from the files this machine has installed.
var securityUnits = []string{"dbus.service", "systemd-journald.service", "systemd-logind.service",
	"systemd-timesyncd.service", "systemd-hostnamed.service", "systemd-networkd.service", "fstrim.service", "man-db.service"}

// unenforcedRows names the rows that rate a directive sysmaster does not enforce: such a row may be worse here.
var unenforcedRows = map[string][]string{"IPAddressDeny=": {"IPAddressDeny", "IPAddressAllow"},
	"DeviceAllow=": {"DeviceAllow", "DevicePolicy"}, "RemoveIPC=": {"RemoveIPC"}, "User=/DynamicUser=": {"DynamicUser"}}

var overallRe = regexp.MustCompile(`→ Overall exposure level for (\S+): ([0-9]+\.[0-9]) (\S+) `)

// The verdict of sctl analyze security on Debian's units is systemd-analyze's, row by row, except where a row
// rates a directive sysmaster does not enforce (worse here: what runs is rated), and PrivateMounts=, which a
// loaded unit's file-system sandbox implies (systemd-analyze does so online, not with --offline). When no row
// differs the overall exposure is the same number.
func TestAnalyzeSecurityAgainstSystemd(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Fatalf("systemd-analyze (systemd 252) is needed for the comparison: %v", err)
	}
	units := map[string]string{}
	for _, u := range securityUnits {
		b, err := os.ReadFile(filepath.Join("/lib/systemd/system", u))
		if err != nil {
			t.Fatalf("Debian's %s: %v", u, err)
		}
		units[u] = string(b)
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	exact := 0
	for _, u := range securityUnits {
		out, errs, code := s.Sctl("analyze", "security", u)
		if code != 0 {
			st, _, _ := s.Sctl("status", u)
			t.Fatalf("sctl analyze security %s: %d %s\n%s", u, code, errs, st)
		}
		ours := map[string]*bool{}
		for _, l := range strings.Split(out, "\n")[1:] {
			f := strings.Fields(l)
			if len(f) < 2 || strings.HasPrefix(l, "→") {
				continue
			}
			var set *bool
			switch f[0] {
			case "✓":
				v := true
				set = &v
			case "✗":
				v := false
				set = &v
			default:
				f = append([]string{""}, f...)
			}
			ours[f[1]] = set
		}
		m := overallRe.FindStringSubmatch(out)
		if m == nil || m[1] != u {
			t.Fatalf("%s: no overall line:\n%s", u, out)
		}
		js, err := exec.Command("systemd-analyze", "security", "--offline=true", "--json=short", filepath.Join("/lib/systemd/system", u)).Output()
		if err != nil {
			t.Fatalf("systemd-analyze %s: %v", u, err)
		}
		var rows []struct {
			Set  *bool  `json:"set"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(js, &rows); err != nil {
			t.Fatal(err)
		}
		unenforced := s.Show(u, "UnenforcedDirectives")
		differs := false
		for _, r := range rows {
			got, ok := ours[r.Name]
			if !ok {
				t.Errorf("%s: no row %s:\n%s", u, r.Name, out)
				continue
			}
			if (got == nil) == (r.Set == nil) && (got == nil || *got == *r.Set) {
				continue
			}
			differs = true
			allowed := r.Name == "PrivateMounts=" && got != nil && *got ||
				// systemd derives a closed device policy from PrivateDevices=; sysmaster applies no device policy.
				r.Name == "DeviceAllow=" && s.Show(u, "PrivateDevices") == "yes"
			for _, d := range unenforcedRows[r.Name] {
				allowed = allowed || strings.Contains(" "+unenforced, " "+d+"=")
			}
			if !allowed {
				t.Errorf("%s: %s is %v here, %v in systemd-analyze", u, r.Name, show(got), show(r.Set))
			}
		}
		if len(rows) != len(ours) {
			t.Errorf("%s: %d rows, systemd-analyze has %d", u, len(ours), len(rows))
		}
		sd, _ := exec.Command("systemd-analyze", "security", "--offline=true", filepath.Join("/lib/systemd/system", u)).Output()
		theirs := overallRe.FindStringSubmatch(string(sd))
		if theirs == nil {
			t.Fatalf("systemd-analyze %s: no overall line:\n%s", u, sd)
		}
		t.Logf("%s: %s %s here, %s %s in systemd-analyze", u, m[2], m[3], theirs[2], theirs[3])
		if !differs {
			exact++
			if m[2] != theirs[2] || m[3] != theirs[3] {
				t.Errorf("%s: the same rows, yet exposure %s %s here and %s %s in systemd-analyze", u, m[2], m[3], theirs[2], theirs[3])
			}
		}
	}
	if exact == 0 {
		t.Error("no unit was rated exactly as systemd-analyze rates it")
	}
	// The overview lists the loaded services that are not oneshots, each with its own figure.
	out, errs, code := s.Sctl("analyze", "security")
	rowRe := regexp.MustCompile(`(?m)^(\S+\.service) +([0-9]+\.[0-9]) ([A-Z]+) `)
	listed := rowRe.FindAllStringSubmatch(out, -1)
	if code != 0 || !strings.HasPrefix(out, "UNIT") || len(listed) == 0 {
		t.Fatalf("overview: %d %s\n%s", code, errs, out)
	}
	for _, r := range listed {
		one, _, _ := s.Sctl("analyze", "security", r[1])
		if m := overallRe.FindStringSubmatch(one); m == nil || m[2] != r[2] || m[3] != r[3] || s.Show(r[1], "Type") == "oneshot" {
			t.Errorf("overview row %q, but alone: %v", r[0], m)
		}
	}
	if _, _, code := s.Sctl("analyze", "security", "no-such.service"); code == 0 {
		t.Error("a unit that is not found was analyzed")
	}
}

func show(b *bool) string {
	if b == nil {
		return "n/a"
	}
	if *b {
		return "passed"
	}
	return "failed"
}
