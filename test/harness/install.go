package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	installOnce sync.Once
	installDir  string
	installErr  error
)

// RepoRoot is the root of the source tree this package was built from.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Install builds and installs sysmaster once per test binary (make install DESTDIR=… PREFIX=/usr) and returns
// the DESTDIR. The tree is removed by Cleanup, which TestMain should call after m.Run.
func Install(t testing.TB) string {
	t.Helper()
	installOnce.Do(func() {
		installDir, installErr = os.MkdirTemp("", "sysmaster-install-")
		if installErr != nil {
			return
		}
		// Tests run sctl as other users too.
		if installErr = os.Chmod(installDir, 0o755); installErr != nil {
			return
		}
		cmd := exec.Command("make", "-s", "-C", RepoRoot(), "install", "DESTDIR="+installDir, "PREFIX=/usr")
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("make install: %v\n%s", err, out)
		}
	})
	if installErr != nil {
		t.Fatalf("harness: %v", installErr)
	}
	return installDir
}

// Cleanup removes the installed tree.
func Cleanup() {
	if installDir != "" {
		os.RemoveAll(installDir)
	}
}

// BuildPlugin builds the Go main package at pkg (a path relative to the repository root, e.g.
// "sdk/examples/run") into dir and returns the binary's path.
func BuildPlugin(t testing.TB, pkg, dir string, ldflags ...string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg))
	args := []string{"build", "-o", out}
	for _, l := range ldflags {
		args = append(args, "-ldflags", l)
	}
	cmd := exec.Command("go", append(args, "./"+pkg)...)
	cmd.Dir = RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("harness: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// InstallRelease builds and installs the tree of an earlier commit (a release whose checkpoint a newer core must
// restore) and returns its DESTDIR. The tree is cached under the system's temporary directory by commit, built
// once for every test binary that asks; the commit must be in the repository's history.
func InstallRelease(t testing.TB, commit string) string {
	t.Helper()
	dest := filepath.Join(os.TempDir(), "sysmaster-release-"+commit)
	if _, err := os.Stat(filepath.Join(dest, "usr/lib/sysmaster/sysmaster")); err == nil {
		return dest
	}
	work, err := os.MkdirTemp("", "sysmaster-release-build-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	src, tree := filepath.Join(work, "src"), filepath.Join(work, "tree")
	script := `set -e; mkdir -p "$2"; git -C "$1" archive "$3" | tar -x -C "$2"; make -s -C "$2" install DESTDIR="$4" PREFIX=/usr`
	cmd := exec.Command("sh", "-c", script, "sh", RepoRoot(), src, commit, tree)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("harness: building release %s: %v\n%s", commit, err, out)
	}
	if err := os.Chmod(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	// Another test binary may have won the race: its tree is as good as this one.
	if err := os.Rename(tree, dest); err != nil {
		if _, serr := os.Stat(filepath.Join(dest, "usr/lib/sysmaster/sysmaster")); serr != nil {
			t.Fatalf("harness: release %s: %v", commit, err)
		}
	}
	return dest
}
