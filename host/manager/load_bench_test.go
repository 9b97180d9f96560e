package manager

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sysmaster/sysmaster/test/harness"
)

// writeMesh writes harness.Mesh(n) into dir.
func writeMesh(tb testing.TB, dir string, n int) {
	for name, body := range harness.Mesh(n) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkLoad10k measures loading 10,000 unit files through the manager: reading and merging the files, one
// batched Parse call to the real target plugin, and linking the dependency graph both ways. It needs the target
// plugin binary, built here.
func BenchmarkLoad10k(b *testing.B) {
	dir := b.TempDir()
	units := filepath.Join(dir, "units")
	os.Mkdir(units, 0o755)
	writeMesh(b, units, 10000)
	plugins := filepath.Join(dir, "plugins")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(plugins, "target"), "../../cmd/sysmaster").CombinedOutput(); err != nil {
		b.Fatalf("build: %v %s", err, out)
	}
	conf := filepath.Join(dir, "system.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("[Manager]\nUnitPaths = [%q]\n[Plugins]\nDir = %q\n", units, plugins)), 0o644)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m, err := New(Options{ConfigPath: conf, RunDir: filepath.Join(dir, fmt.Sprint("run", i)), Log: io.Discard, Console: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		m.pluginProcs.Get("target") // a warm plugin: its cold start is measured in host/plugin
		b.StartTimer()
		u := m.load("big.target")
		b.StopTimer()
		if u.LoadState != "loaded" || len(u.deps.get("Wants")) != 10000 {
			b.Fatalf("big.target: %s, %d wants", u.LoadState, len(u.deps.get("Wants")))
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m.Run(ctx)
		m.Close()
	}
}
