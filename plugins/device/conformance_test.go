package device

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

// A device unit has no section of its own: the suite has nothing to make it refuse.
func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{Unit: "dev-sample.device"})
}
