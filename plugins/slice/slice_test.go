package slice

import (
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Type) }

func TestConformance(t *testing.T) {
	sdktest.Run(t, sdktest.Self(t), sdktest.Sample{
		Unit: "sample.slice",
		Sections: []*sdk.Section{{Name: "Slice", Entries: []*sdk.Entry{
			{Key: "MemoryMax", Value: "64M", File: "sample.slice", Line: 2},
		}}},
		Bad: []*sdk.Section{{Name: "Slice", Entries: []*sdk.Entry{
			{Key: "CPUWeight", Value: "many", File: "bad.slice", Line: 3},
		}}},
	})
}

func parse(name string, entries ...*sdk.Entry) *sdk.ParseResult {
	return sliceType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: name},
		Sections: []*sdk.Section{{Name: "Slice", Entries: entries}}})
}

func TestParse(t *testing.T) {
	res := parse("batch.slice", &sdk.Entry{Key: "MemoryMax", Value: "64M"}, &sdk.Entry{Key: "TasksMax", Value: "10"},
		&sdk.Entry{Key: "CPUWeight", Value: "50"})
	if res.Failed() {
		t.Fatalf("problems: %+v", res.Problems)
	}
	if p := res.Properties; p["MemoryMax"] != "67108864" || p["TasksMax"] != "10" || p["CPUWeight"] != "50" {
		t.Errorf("properties %v", p)
	}
	if _, ok := res.Annotations["Slice"]; ok {
		t.Errorf("a slice reports a Slice annotation: the host takes its parent from its name")
	}
	for _, bad := range []string{"a--b.slice", "-a.slice", "a-.slice"} {
		if res := parse(bad); !res.Failed() {
			t.Errorf("%s: loaded", bad)
		}
	}
	res = parse("a.slice", &sdk.Entry{Key: "Slice", Value: "b.slice", File: "a.slice", Line: 4},
		&sdk.Entry{Key: "ExecStart", Value: "/bin/true", File: "a.slice", Line: 5})
	if res.Failed() || len(res.Problems) != 2 {
		t.Fatalf("Slice= and ExecStart= in [Slice]: want two warnings, got %+v", res.Problems)
	}
	for _, p := range res.Problems {
		if p.Line == 0 || !strings.Contains(p.Message, "Unknown key") {
			t.Errorf("problem %+v", p)
		}
	}
}

func TestStartRealizesTheCgroup(t *testing.T) {
	res := parse("batch.slice", &sdk.Entry{Key: "MemoryMax", Value: "64M"})
	u := &sdk.Unit{Name: "batch.slice", Config: res.Config, Runtime: &sdk.Runtime{}}
	if err := (sliceType{}).Handle(u, &sdk.Event{Kind: &sdk.EventStart{}}); err != nil {
		t.Fatal(err)
	}
	acts := u.Actions()
	rc, ok := acts[0].(*sdk.RealizeCgroup)
	if !ok || rc.Settings == nil || rc.Settings.MemoryMax != 64<<20 {
		t.Fatalf("actions %+v: want RealizeCgroup with MemoryMax 64M first", acts)
	}
	if st, ok := acts[1].(*sdk.SetState); !ok || st.Active != sdk.Active || st.Sub != "active" {
		t.Fatalf("actions %+v", acts)
	}
	u2 := &sdk.Unit{Name: "batch.slice", Config: res.Config, State: u.State, Runtime: &sdk.Runtime{}}
	if err := (sliceType{}).Handle(u2, &sdk.Event{Kind: &sdk.EventStop{}}); err != nil {
		t.Fatal(err)
	}
	if st, ok := u2.Actions()[0].(*sdk.SetState); !ok || st.Active != sdk.Inactive || st.Sub != "dead" {
		t.Fatalf("stop: %+v", u2.Actions())
	}
}

// FuzzParse: any [Slice] value parses without a panic.
func FuzzParse(f *testing.F) {
	f.Add("MemoryMax", "64M")
	f.Add("CPUWeight", "idle")
	f.Add("TasksMax", "10%")
	f.Fuzz(func(t *testing.T, key, value string) {
		parse("fuzz.slice", &sdk.Entry{Key: key, Value: value})
	})
}
