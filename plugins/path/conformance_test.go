package path

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "sample.path",
		Sections: []*sdk.Section{{Name: "Path", Entries: []*sdk.Entry{
			{Key: "PathExists", Value: "/run/sample-path-flag", File: "sample.path", Line: 2},
		}}},
		Bad: []*sdk.Section{{Name: "Path", Entries: []*sdk.Entry{
			{Key: "PathExists", Value: "/run/x", File: "bad.path", Line: 2},
			{Key: "TriggerLimitBurst", Value: "many", File: "bad.path", Line: 3},
		}}},
	})
}
