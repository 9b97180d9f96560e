package verify

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// buildPlugins installs the named built-in plugins of this tree into dir/usr/lib/sysmaster/plugins as make
// install does: links to the image.
func buildPlugins(t *testing.T, root string, names ...string) {
	_, file, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("go", "build", "-o", filepath.Join(root, "usr/lib/sysmaster/sysmaster"), "./cmd/sysmaster")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the image: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(root, "usr/lib/sysmaster/plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.Symlink("../sysmaster", filepath.Join(root, "usr/lib/sysmaster/plugins", n)); err != nil {
			t.Fatal(err)
		}
	}
}

// An offline root: what loads, what does not (a type no plugin serves, a value systemd refuses the unit over), the directives reported as
// unsupported, and the file names as the system sees them, without the root.
func TestRunOnAnOfflineRoot(t *testing.T) {
	root := t.TempDir()
	buildPlugins(t, root, "service", "target")
	units := map[string]string{
		"good.service":      "[Service]\nExecStart=/bin/true\n",
		"odd.service":       "[Service]\nExecStart=/bin/true\nNoSuchKey=1\nX-Ours=kept\n",
		"bad.service":       "[Service]\nExecStart=/bin/true\nWorkingDirectory=relative\n", // refused, as by systemd
		"multi-user.target": "[Unit]\nDescription=Multi\n",
		"tick.nosuchtype":   "[Unit]\nDescription=no plugin serves it\n",
		"getty@.service":    "[Service]\nExecStart=/sbin/agetty %I\nNoSuchKey=2\n",
	}
	dir := filepath.Join(root, "lib/systemd/system")
	os.MkdirAll(dir, 0o755)
	for n, c := range units {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	checked, ps, err := Run(Options{Root: root, UnitPaths: []string{"/lib/systemd/system"}, PluginDir: "/usr/lib/sysmaster/plugins"})
	if err != nil {
		t.Fatal(err)
	}
	if checked != len(units) {
		t.Errorf("checked %d units, want %d", checked, len(units))
	}
	got := map[string][]Problem{}
	for _, p := range ps {
		got[p.Unit] = append(got[p.Unit], p)
		if strings.Contains(p.Message, root) {
			t.Errorf("message names the offline root: %s", p.Message)
		}
	}
	if len(got["good.service"]) != 0 || len(got["multi-user.target"]) != 0 {
		t.Errorf("problems with good units: %v", ps)
	}
	if p := got["odd.service"]; len(p) != 1 || p[0].Error || !p[0].Unsupported() ||
		!strings.HasPrefix(p[0].Message, "/lib/systemd/system/odd.service:3: [Service] NoSuchKey") {
		t.Errorf("odd.service: %+v", p)
	}
	if p := got["bad.service"]; len(p) != 1 || !p[0].Error || !strings.Contains(p[0].Message, "odd.service") && !strings.Contains(p[0].Message, "bad.service:3") {
		t.Errorf("bad.service: %+v", p)
	}
	if p := got["tick.nosuchtype"]; len(p) != 1 || !p[0].Error {
		t.Errorf("tick.nosuchtype: %+v", p)
	}
	// A template is checked as an instance.
	if p := got["getty@instance.service"]; len(p) != 1 || !strings.Contains(p[0].Message, "getty@.service:3") {
		t.Errorf("getty@.service: %+v", p)
	}
	failing, unsupported, keys := Summary(ps)
	if failing != 2 || unsupported != 2 || keys["NoSuchKey"] != 2 {
		t.Errorf("Summary: %d failing, %d unsupported, keys %v", failing, unsupported, keys)
	}
}
