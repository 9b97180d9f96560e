// Package sdktest is the conformance suite every unit-type plugin should pass, ours and third parties': it
// launches the plugin binary as the host would (go-plugin handshake, gRPC) and checks, case by named case, the
// properties the host relies on (see Run).
//
//	func TestConformance(t *testing.T) {
//		sdktest.Run(t, sdktest.Build(t, "."), sdktest.Sample{
//			Unit:     "x.run",
//			Sections: []*sdk.Section{{Name: "Run", Entries: …}},
//			Bad:      []*sdk.Section{{Name: "Run", Entries: …}}, // a unit whose Parse reports a problem
//		})
//	}
package sdktest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/sysmaster/sysmaster/sdk"
)

// Sample is what the suite drives the plugin with: one valid unit of its type and, for a type with sections of
// its own, one the plugin must refuse.
type Sample struct {
	// Unit is the sample unit's name ("sample.socket").
	Unit string
	// Sections are the type's sections of a valid unit; they must parse without error.
	Sections []*sdk.Section
	// Bad are the sections of a unit Parse must report at least one problem about (an error, or a warning for a line it ignores). Give every entry a File and a
	// Line: each error must name the file and line of one of them. Nil for a type without sections of its
	// own, for which the case is skipped.
	Bad []*sdk.Section
}

// Build compiles the main package in dir (the plugin's own directory: ".") into a temporary directory and
// returns the binary's path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), filepath.Base(abs))
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sdktest: build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// Main is the TestMain of a plugin package that is not a main package (this project's own unit types are linked
// into one executable image, cmd/sysmaster): started by the suite as a plugin (go-plugin's cookie in its
// environment), the test binary serves typ; otherwise it runs the package's tests. The suite runs on Self:
//
//	func TestMain(m *testing.M) { sdktest.Main(m, Type) }
//	func TestConformance(t *testing.T) { sdktest.Run(t, sdktest.Self(t), sdktest.Sample{…}) }
func Main(m *testing.M, typ sdk.UnitType) {
	if os.Getenv(sdk.Handshake.MagicCookieKey) == sdk.Handshake.MagicCookieValue {
		sdk.Serve(typ)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Self is the running test binary: under Main, a plugin of the type it was given.
func Self(t testing.TB) string {
	t.Helper()
	path, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// logger keeps go-plugin's chatter out of test output: only its warnings and errors show.
func logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "sdktest", Output: os.Stderr, Level: hclog.Warn})
}

// newClient is a go-plugin client for the binary at path, speaking the given protocol versions.
func newClient(path string, versions map[int]plugin.PluginSet) *plugin.Client {
	return plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: versions,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Cmd:              exec.Command(path),
		StartTimeout:     10 * time.Second,
		Logger:           logger(),
	})
}

// Launch starts the plugin binary at path and returns its client; it is killed when the test ends. A test
// process may use go-plugin's own runner: the one-waiter rule binds the core, not its tests.
func Launch(t testing.TB, path string) *sdk.Client {
	t.Helper()
	c := newClient(path, sdk.PluginSets())
	t.Cleanup(c.Kill)
	cl, err := sdk.Dispense(c)
	if err != nil {
		t.Fatalf("sdktest: launch %s: %v", path, err)
	}
	return cl
}

// callTimeout bounds every call of the suite: a conforming plugin answers each well within it.
const callTimeout = 30 * time.Second

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return c
}
