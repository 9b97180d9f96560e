package target

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

// A target has no section of its own: the suite has nothing to make it refuse.
func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{Unit: "sample.target"})
}
