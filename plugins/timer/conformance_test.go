package timer

import (
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "sample.timer",
		Sections: []*sdk.Section{{Name: "Timer", Entries: []*sdk.Entry{
			{Key: "OnCalendar", Value: "hourly", File: "sample.timer", Line: 2},
			{Key: "AccuracySec", Value: "1s", File: "sample.timer", Line: 3},
		}}},
		Bad: []*sdk.Section{{Name: "Timer", Entries: []*sdk.Entry{
			{Key: "OnCalendar", Value: "Mon..Fri 25:00", File: "bad.timer", Line: 2},
		}}},
	})
}
