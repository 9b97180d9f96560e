// Package layout checks the architecture's import rules over `go list -deps`: plugins are built on the public
// SDK (sdk/ and pkg/) only, exactly as a third party's would be, never on the wire contract under sdk/proto,
// and the host never imports a plugin; and that the executable image serves every built-in plugin.
package layout

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/sysmaster/sysmaster/"

func deps(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	pkgs, err := exec.Command("go", "list", pattern).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	out := map[string][]string{}
	for _, p := range strings.Fields(string(pkgs)) {
		cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}`, p)
		cmd.Dir = "../.."
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		for _, d := range strings.Fields(string(b)) {
			if strings.HasPrefix(d, module) && d != p {
				out[p] = append(out[p], d)
			}
		}
	}
	return out
}

func TestPluginsUseOnlyTheSDK(t *testing.T) {
	for pkg, ds := range deps(t, module+"plugins/...") {
		for _, d := range ds {
			rel := strings.TrimPrefix(d, module)
			if !strings.HasPrefix(rel, "sdk") && !strings.HasPrefix(rel, "pkg/") {
				t.Errorf("%s imports %s: plugins may use sdk/ and pkg/ only", pkg, d)
			}
		}
	}
}

func TestHostDoesNotImportPlugins(t *testing.T) {
	for pkg, ds := range deps(t, module+"host/...") {
		for _, d := range ds {
			if strings.HasPrefix(d, module+"plugins/") || strings.HasPrefix(d, module+"cmd/") {
				t.Errorf("%s imports %s", pkg, d)
			}
		}
	}
}

func TestSDKDoesNotImportTheHost(t *testing.T) {
	for pkg, ds := range deps(t, module+"sdk/...") {
		for _, d := range ds {
			if strings.HasPrefix(d, module+"host/") || strings.HasPrefix(d, module+"plugins/") {
				t.Errorf("%s imports %s: the SDK must stand alone", pkg, d)
			}
		}
	}
}

// imports lists the packages that the packages matching pattern import themselves, tests included (not their
// dependencies'): the import statements a plugin author wrote.
func imports(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, pattern)
	cmd.Dir = "../.."
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// TestPluginsDoNotImportTheProto: plugins get Go types from the SDK (sdk/wire.go converts them); the wire
// format is the SDK's business, so that the contract can grow without touching a plugin.
func TestPluginsDoNotImportTheProto(t *testing.T) {
	checked := 0
	for _, pattern := range []string{module + "plugins/...", module + "sdk/examples/..."} {
		for pkg, ds := range imports(t, pattern) {
			checked++
			for _, d := range ds {
				if strings.HasPrefix(d, module+"sdk/proto/") {
					t.Errorf("%s imports %s: plugins use the SDK's Go types, not the wire contract", pkg, d)
				}
			}
		}
	}
	if checked < 4 {
		t.Fatalf("only %d plugin packages found: the patterns no longer match the tree", checked)
	}
}

// TestExecutorIsSmall: every unit process starts as the executor, which pays for the package initialisers of
// everything it links; it links the executor's package and what that needs, none of the core's RPC stack.
func TestExecutorIsSmall(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}`, "./cmd/sysmaster-executor")
	cmd.Dir = "../.."
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/sysmaster-executor: %v", err)
	}
	ds := strings.Fields(string(b))
	if len(ds) < 10 {
		t.Fatalf("only %d dependencies listed: %q", len(ds), ds)
	}
	for _, d := range ds {
		rel, ours := strings.CutPrefix(d, module)
		switch {
		case ours && (strings.HasPrefix(rel, "host/") && rel != "host/exec/executor" || strings.HasPrefix(rel, "sdk")):
			t.Errorf("the executor links %s: only host/exec/executor and pkg/ of the project's packages", d)
		case strings.HasPrefix(d, "google.golang.org/") || strings.HasPrefix(d, "github.com/") && !ours ||
			d == "encoding/json" || d == "regexp" || d == "crypto/rand" || d == "net":
			t.Errorf("the executor links %s, whose initialisers every spawn would pay", d)
		}
	}
}

// TestEveryPluginIsInTheImage: make install links /usr/lib/sysmaster/plugins/<type> to the image for every
// directory under plugins/, and the image serves a type only when cmd/sysmaster/builtins.go lists it.
func TestEveryPluginIsInTheImage(t *testing.T) {
	dirs, err := os.ReadDir("../../plugins")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../cmd/sysmaster/builtins.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := regexp.MustCompile(`"([a-z]+)":\s+([a-z]+)\.Type,`).FindAllStringSubmatch(string(b), -1)
	in := map[string]bool{}
	for _, m := range listed {
		if m[1] != m[2] {
			t.Errorf("builtins.go serves type %q with the package %s", m[1], m[2])
		}
		in[m[1]] = true
	}
	for _, d := range dirs {
		if d.IsDir() && !in[d.Name()] {
			t.Errorf("plugins/%s is not in the image's table (cmd/sysmaster/builtins.go)", d.Name())
		}
	}
	if len(in) != len(dirs) {
		t.Errorf("the image serves %d types, plugins/ holds %d", len(in), len(dirs))
	}
}
