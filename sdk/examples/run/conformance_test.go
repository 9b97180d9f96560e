package main

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Build(t, "."), sdktest.Sample{
		Unit: "sample.run",
		Sections: []*sdk.Section{{Name: "Run", Entries: []*sdk.Entry{
			{Key: "Command", Value: "/bin/sleep 1", File: "sample.run", Line: 2},
		}}},
		Bad: []*sdk.Section{{Name: "Run", Entries: []*sdk.Entry{
			{Key: "Command", Value: "/bin/sleep 1", File: "bad.run", Line: 2},
			{Key: "RemainAfterExit", Value: "perhaps", File: "bad.run", Line: 3},
		}}},
	})
}
