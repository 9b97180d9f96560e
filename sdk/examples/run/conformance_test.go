package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestConformance(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "run")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sdktest.Run(t, bin, sdktest.Sample{Unit: "sample.run", Sections: []*pb.Section{{Name: "Run", Entries: []*pb.Entry{
		{Key: "Command", Value: "/bin/sleep 1", File: "sample.run", Line: 2},
	}}}})
}
