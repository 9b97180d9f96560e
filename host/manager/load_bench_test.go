package manager

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeMesh writes n target units in a layered mesh (layers of 100, each unit Wants= and After= three units of
// the next layer, every tenth with a drop-in) and big.target wanting them all.
func writeMesh(tb testing.TB, dir string, n int) {
	var all strings.Builder
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("u%05d.target", i)
		var ds []string
		if next := (i/100 + 1) * 100; next < n {
			for k := 0; k < 3; k++ {
				ds = append(ds, fmt.Sprintf("u%05d.target", next+(i*7+k*13)%100))
			}
		}
		deps := strings.Join(ds, " ")
		body := "[Unit]\nDescription=Unit " + name + "\nWants=" + deps + "\nAfter=" + deps + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
		if i%10 == 0 {
			d := filepath.Join(dir, name+".d")
			os.Mkdir(d, 0o755)
			os.WriteFile(filepath.Join(d, "override.conf"), []byte("[Unit]\nDocumentation=man:bench(1)\n"), 0o644)
		}
		all.WriteString(name + " ")
	}
	os.WriteFile(filepath.Join(dir, "big.target"), []byte("[Unit]\nWants="+all.String()+"\n"), 0o644)
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
	if out, err := exec.Command("go", "build", "-o", filepath.Join(plugins, "target"), "../../plugins/target").CombinedOutput(); err != nil {
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
		m.plugins.Get("target") // a warm plugin: its cold start is measured in host/plugin
		b.StartTimer()
		u := m.load("big.target")
		b.StopTimer()
		if u.LoadState != "loaded" || len(u.deps["Wants"]) != 10000 {
			b.Fatalf("big.target: %s, %d wants", u.LoadState, len(u.deps["Wants"]))
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m.Run(ctx)
		m.reaper.Close()
	}
}
