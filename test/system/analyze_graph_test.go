package system

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/test/harness"
)

// sctl analyze dot, plot, verify and cat-config (issue 16), through the installed sctl.

// TestAnalyzeDotAndPlot: dot's edges with systemd-analyze's colours and filters; plot's SVG parses and has a
// bar and a label for a unit of the boot.
func TestAnalyzeDotAndPlot(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"top.service":    "[Unit]\nWants=wanted.service\nRequires=needed.service\nAfter=wanted.service needed.service\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
			"wanted.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sleep 0.2\n",
			"needed.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
		},
		Links: map[string]string{"multi-user.target.wants/top.service": "../top.service"},
	})
	if out, errs, code := s.Sctl("is-system-running", "--wait"); code != 0 {
		t.Fatalf("is-system-running --wait: %d %q %q", code, out, errs)
	}
	out, errs, code := s.Sctl("analyze", "dot", "top.service")
	if code != 0 || !strings.HasPrefix(out, "digraph systemd {\n") || !strings.HasSuffix(out, "}\n") ||
		!strings.Contains(errs, "Color legend: black     = Requires") {
		t.Fatalf("analyze dot: exit %d\n%s%s", code, out, errs)
	}
	for _, edge := range []string{
		`"top.service"->"wanted.service" [color="green"];`,
		`"top.service"->"needed.service" [color="green"];`,
		`"top.service"->"wanted.service" [color="grey66"];`,
		`"top.service"->"needed.service" [color="black"];`,
		`"multi-user.target"->"top.service" [color="grey66"];`, // an edge into the pattern counts too
	} {
		if !strings.Contains(out, "\t"+edge+"\n") {
			t.Errorf("analyze dot top.service: no %s in\n%s", edge, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if line != "}" && !strings.Contains(line, `"top.service"`) {
			t.Errorf("analyze dot top.service: an edge without top.service: %s", line)
		}
	}
	order, _, _ := s.Sctl("analyze", "dot", "--order", "--from-pattern=top.*", "--to-pattern=needed.*")
	if order != "digraph systemd {\n\t\"top.service\"->\"needed.service\" [color=\"green\"];\n}\n" {
		t.Errorf("analyze dot --order --from-pattern=top.* --to-pattern=needed.*:\n%s", order)
	}
	require, _, _ := s.Sctl("analyze", "dot", "--require", "--from-pattern=top.service")
	if strings.Contains(require, "green") || !strings.Contains(require, `"top.service"->"needed.service" [color="black"];`) {
		t.Errorf("analyze dot --require:\n%s", require)
	}

	svg, errs, code := s.Sctl("analyze", "plot")
	if code != 0 {
		t.Fatalf("analyze plot: exit %d %s", code, errs)
	}
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		Groups  []struct {
			Rects []struct {
				Class string  `xml:"class,attr"`
				Width float64 `xml:"width,attr"`
			} `xml:"rect"`
			Texts []struct {
				Class string `xml:"class,attr"`
				Text  string `xml:",chardata"`
			} `xml:"text"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil || len(doc.Groups) != 1 {
		t.Fatalf("analyze plot is not an SVG with one group (%v):\n%s", err, svg)
	}
	classes := map[string]int{}
	for _, r := range doc.Groups[0].Rects {
		classes[r.Class]++
	}
	labelled := false
	for _, tx := range doc.Groups[0].Texts {
		labelled = labelled || strings.HasPrefix(tx.Text, "wanted.service (") // its start took ≥ 200ms
	}
	if classes["active"] < 4 || classes["activating"] < 1 || !labelled {
		t.Errorf("analyze plot: bars %v, wanted.service labelled %v:\n%s", classes, labelled, svg)
	}
}

// TestAnalyzeVerify loads good and bad files as the core would, offline: problems named by file, line and key,
// exit 1 for a unit that does not load; and cat-config prints a file and its drop-ins.
func TestAnalyzeVerify(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	dir := filepath.Join(s.Etc, "verify")
	files := map[string]string{
		"good.service": "[Unit]\nDescription=Good\n[Service]\nExecStart=/bin/true\n",
		// A bad value is a warning (the unit loads without it, as in systemd); two ExecStart= make it fail.
		"badtype.service": "[Unit]\nDescription=Bad\n[Service]\nType=bogus\nExecStart=/bin/true\nExecStart=/bin/false\n",
		"good.socket":     "[Socket]\nListenStream=/run/verify-good.sock\n",
		"tmpl@.service":   "[Service]\nExecStart=/bin/echo %i\n",
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := func(n string) string { return "/etc/sysmaster/verify/" + n }
	if out, errs, code := s.Sctl("analyze", "verify", in("good.service"), in("good.socket"), in("tmpl@.service")); code != 0 || out != "" || errs != "" {
		t.Errorf("analyze verify of good files: exit %d %q %q", code, out, errs)
	}
	_, errs, code := s.Sctl("analyze", "verify", in("good.service"), in("badtype.service"))
	if code != 1 || !strings.Contains(errs, "/etc/sysmaster/verify/badtype.service:4: [Service] Type:") ||
		!strings.Contains(errs, "Service has more than one ExecStart= setting") ||
		!strings.Contains(errs, "Unit badtype.service has a bad unit file setting.") || strings.Contains(errs, "good.service") {
		t.Errorf("analyze verify of a bad file: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("analyze", "verify", in("missing.service")); code != 1 || errs != "Unit missing.service not found.\n" {
		t.Errorf("analyze verify of a missing file: exit %d %q", code, errs)
	}

	s.WriteFile("system.conf.d/50-verbs.conf", "[Manager]\nLogLevel = \"info\"\n")
	out, _, code := s.Sctl("analyze", "cat-config", "sysmaster/system.conf")
	if code != 0 || !strings.HasPrefix(out, "# /etc/sysmaster/system.conf\n") ||
		!strings.HasSuffix(out, "\n\n# /etc/sysmaster/system.conf.d/50-verbs.conf\n[Manager]\nLogLevel = \"info\"\n") {
		t.Errorf("analyze cat-config sysmaster/system.conf: exit %d\n%s", code, out)
	}
}
