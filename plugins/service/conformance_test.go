package service

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "sample.service",
		Sections: []*sdk.Section{{Name: "Service", Entries: []*sdk.Entry{
			{Key: "ExecStart", Value: "/bin/sleep 60", File: "sample.service", Line: 2},
			{Key: "ExecStopPost", Value: "/bin/true", File: "sample.service", Line: 3},
		}}},
		Bad: []*sdk.Section{{Name: "Service", Entries: []*sdk.Entry{
			{Key: "ExecStart", Value: "/bin/sleep 60", File: "bad.service", Line: 2},
			{Key: "Type", Value: "sometimes", File: "bad.service", Line: 3},
		}}},
	})
}
