package scope

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "sample.scope",
		Sections: []*sdk.Section{{Name: "Scope", Entries: []*sdk.Entry{
			{Key: "RuntimeMaxSec", Value: "1h", File: "sample.scope", Line: 2},
		}}},
		Bad: []*sdk.Section{{Name: "Scope", Entries: []*sdk.Entry{
			{Key: "OOMPolicy", Value: "panic", File: "bad.scope", Line: 3},
		}}},
	})
}
