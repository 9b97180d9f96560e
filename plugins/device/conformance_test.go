package main

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

// A device unit has no section of its own: the suite has nothing to make it refuse.
func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Build(t, "."), sdktest.Sample{Unit: "dev-sample.device"})
}
