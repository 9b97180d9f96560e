package exec

import (
	"os"
	"path/filepath"
	"testing"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The core runs the executor it opened, whatever happens to the file on disk since: a package upgrade that
// replaces it changes nothing until the next UseExecutor (the next core).
func TestExecutorReplacedOnDisk(t *testing.T) {
	defer UseExecutor(testExecutor)
	dir := t.TempDir()
	b, err := os.ReadFile(testExecutor)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ExecutorName)
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := UseExecutor(path); err != nil {
		t.Fatal(err)
	}
	// The new release's file: anything that is not this executor shows by its exit status (an ELF binary: a
	// script cannot be run through a close-on-exec fd, its interpreter could not open it).
	falseBin, err := os.ReadFile("/bin/false")
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, falseBin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if r := run(t, sh("exit 7", &pb.ExecContext{}), Options{}); r.exit.Status != 7 {
		t.Fatalf("after the file was replaced: %s", describe(r))
	}
	// And the file opened is what runs: opened again, it is the replacement.
	if err := UseExecutor(path); err != nil {
		t.Fatal(err)
	}
	if r := run(t, sh("exit 7", &pb.ExecContext{}), Options{}); r.exit.Status != 1 {
		t.Fatalf("the replacement opened: %s, want false's status 1", describe(r))
	}
	if err := UseExecutor(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing executor was taken")
	}
	if err := UseExecutor(dir); err == nil {
		t.Fatal("a directory was taken as the executor")
	}
}

// Without the small executor (UseExecutor never succeeded) the core is its own: the test binary, like the core,
// runs executor.Main when started as "sysmaster-executor".
func TestCoreAsItsOwnExecutor(t *testing.T) {
	saved := executorFd.Swap(-1)
	defer executorFd.Store(saved)
	r := run(t, sh(`test "$(id -u)" = 65534 && test "$USER" = nobody`, &pb.ExecContext{User: "nobody"}), Options{})
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
	r = run(t, sh("exit 0", &pb.ExecContext{WorkingDirectory: "/nonexistent/dir"}), Options{})
	if r.exit.Status != 200 || r.failure == nil || r.failure.Step != "CHDIR" {
		t.Fatalf("%s, want 200 CHDIR", describe(r))
	}
}

// Many passed fds push the executor's /proc/self/fd path above where the fork shuffles them (executable).
func TestExecutorWithManyFds(t *testing.T) {
	var fds []*os.File
	for range 40 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		fds = append(fds, r)
	}
	r := run(t, sh(`test "$LISTEN_FDS" = 40 && test -e /proc/self/fd/42 && ! test -e /proc/self/fd/43`, &pb.ExecContext{}),
		Options{Fds: fds})
	if r.exit.Status != 0 {
		t.Fatalf("%s", describe(r))
	}
}
