package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestConformance(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "socket")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sdktest.Run(t, bin, sdktest.Sample{Unit: "sample.socket", Sections: []*pb.Section{{
		Name: "Socket", Entries: []*pb.Entry{{Key: "ListenStream", Value: "/run/sample.sock"}, {Key: "Accept", Value: "no"}},
	}}})
}
