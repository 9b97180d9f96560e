package mount

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "mnt-sample.mount",
		Sections: []*sdk.Section{{Name: "Mount", Entries: []*sdk.Entry{
			{Key: "What", Value: "tmpfs", File: "mnt-sample.mount", Line: 2},
			{Key: "Where", Value: "/mnt/sample", File: "mnt-sample.mount", Line: 3},
			{Key: "Type", Value: "tmpfs", File: "mnt-sample.mount", Line: 4},
		}}},
		Bad: []*sdk.Section{{Name: "Mount", Entries: []*sdk.Entry{
			{Key: "What", Value: "tmpfs", File: "bad.mount", Line: 2},
			{Key: "ForceUnmount", Value: "perhaps", File: "bad.mount", Line: 3},
		}}},
	})
}
