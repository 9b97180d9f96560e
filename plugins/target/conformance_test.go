package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestConformance(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "target")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sdktest.Run(t, bin, sdktest.Sample{Unit: "sample.target"})
}
