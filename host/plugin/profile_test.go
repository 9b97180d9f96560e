package plugin

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/cpuprofile"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// With $SYSMASTER_CPU_PROFILE set in the core, a plugin it launches writes its CPU profile there when the host
// closes it.
func TestPluginWritesCPUProfile(t *testing.T) {
	dir := plugins(t)
	prof := t.TempDir()
	t.Setenv(cpuprofile.Env, prof)
	m := newManager(t, cfgFor(dir))
	if _, err := m.Handle("target", []*pb.Item{startItem("a.target")}); err != nil {
		t.Fatal(err)
	}
	m.StopAll()
	// The plugin writes the profile as it ends, after StopAll has asked it to.
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(prof, "target-*.cpu"))
		if len(files) == 1 {
			if st, err := os.Stat(files[0]); err == nil && st.Size() > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no profile of the target plugin in %s: %v", prof, files)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
