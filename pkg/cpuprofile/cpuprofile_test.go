package cpuprofile

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"
)

// With Env set, Start's stop writes one gzipped profile named after the process into the directory, holding the
// samples of the work done in between.
func TestStartWritesProfile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(Env, dir)
	stop := Start()
	// Work long enough for the 100 Hz profiler to take samples.
	x := 0
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
		x++
	}
	stop()
	files, err := filepath.Glob(filepath.Join(dir, filepath.Base(os.Args[0])+"-*.cpu"))
	if err != nil || len(files) != 1 {
		t.Fatalf("profiles in %s: %v %v", dir, files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not a gzipped profile: %v", files[0], err)
	}
	raw, err := io.ReadAll(z)
	if err != nil || len(raw) == 0 {
		t.Fatalf("%s: %d bytes, %v", files[0], len(raw), err)
	}
	// The profile names the function that spun.
	if !bytes.Contains(raw, []byte("TestStartWritesProfile")) {
		t.Errorf("%s holds no sample of the test's loop", files[0])
	}
}

// Unset, Start starts no profile: the process's one profile slot stays free.
func TestStartUnset(t *testing.T) {
	t.Setenv(Env, "")
	stop := Start()
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Fatalf("a profile is running with %s unset: %v", Env, err)
	}
	pprof.StopCPUProfile()
	stop()
}
