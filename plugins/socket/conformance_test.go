package socket

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "sample.socket",
		Sections: []*sdk.Section{{Name: "Socket", Entries: []*sdk.Entry{
			{Key: "ListenStream", Value: "/run/sample.sock", File: "sample.socket", Line: 2},
			{Key: "Accept", Value: "no", File: "sample.socket", Line: 3},
		}}},
		Bad: []*sdk.Section{{Name: "Socket", Entries: []*sdk.Entry{
			{Key: "ListenStream", Value: "/run/sample.sock", File: "bad.socket", Line: 2},
			{Key: "Backlog", Value: "many", File: "bad.socket", Line: 3},
		}}},
	})
}
