package unitname

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"
)

// peerCases is testdata/unit-name-cases.json: systemd's own unit-name tables (see testdata/README.md).
var peerCases = func() map[string][]map[string]any {
	b, err := os.ReadFile("testdata/unit-name-cases.json")
	if err != nil {
		panic(err)
	}
	var m map[string][]map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}()

// peerSkipped are the tables of functions sysmaster does not have, with the reason (docs/mount.md).
var peerSkipped = map[string]string{
	"unit_name_from_dbus_path": "sysmaster has no D-Bus API",
	"slice_build_parent_slice": "sysmaster has no slice unit type yet",
	"slice_name_is_valid":      "sysmaster has no slice unit type yet",
	"slice_build_subslice":     "sysmaster has no slice unit type yet",
	"systemd_escape_cli":       "tested by cmd/sctl/cli (sctl escape)",
}

// openTypeRows are rows systemd rejects only because the type is not one of its own; sysmaster's unit types are
// open (plugins declare theirs), so Valid and Prefix accept them and KnownType is what rejects them.
var openTypeRows = map[string]bool{"foo.waldo": true, "quux.quux": true}

func str(v any) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

// rowName names a subtest after the row's line in test-unit-name.c (or its position).
func rowName(i int, r map[string]any) string {
	if l, ok := r["line"].(float64); ok {
		return fmt.Sprintf("line%d", int(l))
	}
	return fmt.Sprintf("row%d", i)
}

// ok reports whether the row expects success (ret 0 or 1, or no ret at all).
func ok(r map[string]any) bool {
	_, isNum := r["ret"].(float64)
	return isNum || r["ret"] == nil
}

var peerTests = map[string]func(t *testing.T, r map[string]any){
	"unit_name_is_valid": func(t *testing.T, r map[string]any) {
		kinds := map[string]Kind{"ANY": KindAny, "PLAIN": KindPlain, "INSTANCE": KindInstance, "TEMPLATE": KindTemplate,
			"INSTANCE|TEMPLATE": KindInstance | KindTemplate}[str(r["flags"])]
		name, want := str(r["name"]), r["expect_valid"].(bool)
		if openTypeRows[name] {
			if !ValidAs(name, kinds) || KnownType(Type(name)) {
				t.Errorf("%q: sysmaster takes any type, systemd knows none of this one", name)
			}
			return
		}
		if got := ValidAs(name, kinds) && KnownType(Type(name)); got != want {
			t.Errorf("ValidAs(%q, %s) = %v", name, r["flags"], got)
		}
	},
	"unit_name_replace_instance": func(t *testing.T, r map[string]any) {
		got, err := ReplaceInstance(str(r["pattern"]), str(r["instance"]))
		if got != str(r["expect"]) || (err == nil) != ok(r) {
			t.Errorf("ReplaceInstance(%q, %q) = %q, %v", r["pattern"], r["instance"], got, err)
		}
	},
	"unit_name_from_path": func(t *testing.T, r map[string]any) {
		got, err := FromPath(str(r["path"]), str(r["suffix"]))
		if got != str(r["expect"]) || (err == nil) != ok(r) {
			t.Fatalf("FromPath(%q) = %q, %v", r["path"], got, err)
		}
		if err != nil || IsHashed(got) {
			return
		}
		back, err := ToPath(got)
		if err != nil {
			t.Fatalf("ToPath(%q): %v", got, err)
		}
		if again, _ := FromPath(back, str(r["suffix"])); again != got {
			t.Errorf("ToPath(%q) = %q, which names %q", got, back, again)
		}
	},
	"unit_name_from_path_instance": func(t *testing.T, r map[string]any) {
		got, err := FromPathInstance(str(r["prefix"]), str(r["path"]), str(r["suffix"]))
		if got != str(r["expect"]) || (err == nil) != ok(r) {
			t.Errorf("FromPathInstance(%q, %q, %q) = %q, %v", r["prefix"], r["path"], r["suffix"], got, err)
		}
	},
	"unit_name_to_path": func(t *testing.T, r map[string]any) {
		got, err := ToPath(str(r["unit"]))
		if got != str(r["expect"]) || (err == nil) != ok(r) {
			t.Errorf("ToPath(%q) = %q, %v", r["unit"], got, err)
		}
	},
	"unit_name_mangle": func(t *testing.T, r map[string]any) {
		glob := r["allow_globs"].(bool)
		got, changed, err := Mangle(str(r["input"]), ".service", glob)
		if got != str(r["expect"]) || (err == nil) != ok(r) || ok(r) && changed != (r["ret"].(float64) == 1) {
			t.Fatalf("Mangle(%q, %v) = %q, %v, %v", r["input"], glob, got, changed, err)
		}
		if err != nil {
			return
		}
		if !isGlob(got) && !systemdValid(got, KindAny) {
			t.Errorf("%q is not valid", got)
		}
		if again, changed, _ := Mangle(got, ".service", glob); again != got || changed {
			t.Errorf("Mangle(%q) = %q, %v: not a fixed point", got, again, changed)
		}
	},
	`unit_name_mangle_with_suffix(".service")`: func(t *testing.T, r map[string]any) {
		got, changed, err := Mangle(str(r["input"]), ".service", false)
		if got != str(r["expect"]) || (err == nil) != ok(r) || ok(r) && changed != (r["ret"].(float64) == 1) {
			t.Errorf("Mangle(%q) = %q, %v, %v", r["input"], got, changed, err)
		}
	},
	"unit_name_template": func(t *testing.T, r map[string]any) {
		name := str(r["name"])
		isTI := IsInstance(name) || IsTemplate(name)
		if isTI != ok(r) || isTI && Template(name) != str(r["expect"]) || !isTI && Template(name) != name {
			t.Errorf("Template(%q) = %q (template or instance: %v)", name, Template(name), isTI)
		}
	},
	"unit_name_path_unescape": func(t *testing.T, r map[string]any) {
		got, err := UnescapePath(str(r["name"]))
		if got != str(r["expect"]) || (err == nil) != ok(r) {
			t.Errorf("UnescapePath(%q) = %q, %v", r["name"], got, err)
		}
	},
	"unit_name_to_prefix": func(t *testing.T, r map[string]any) {
		name := str(r["name"])
		got, err := Prefix(name)
		if openTypeRows[name] {
			if err != nil || KnownType(Type(name)) {
				t.Errorf("%q: sysmaster takes any type, systemd knows none of this one", name)
			}
			return
		}
		if got != str(r["expect"]) || (err == nil) != ok(r) {
			t.Errorf("Prefix(%q) = %q, %v", name, got, err)
		}
	},
	"unit_name_is_hashed": func(t *testing.T, r map[string]any) {
		if got := IsHashed(str(r["input"])); got != r["expect"].(bool) {
			t.Errorf("IsHashed(%q) = %v", r["input"], got)
		}
	},
	"unit_instance_is_valid": func(t *testing.T, r map[string]any) {
		if got := ValidInstance(str(r["input"])); got != r["expect"].(bool) {
			t.Errorf("ValidInstance(%q) = %v", r["input"], got)
		}
	},
	"unit_prefix_is_valid": func(t *testing.T, r map[string]any) {
		if got := ValidPrefix(str(r["input"])); got != r["expect"].(bool) {
			t.Errorf("ValidPrefix(%q) = %v", r["input"], got)
		}
	},
	"unit_name_prefix_equal": func(t *testing.T, r map[string]any) {
		if got := PrefixEqual(str(r["a"]), str(r["b"])); got != r["expect"].(bool) {
			t.Errorf("PrefixEqual(%q, %q) = %v", r["a"], r["b"], got)
		}
	},
	"unit_name_escape": func(t *testing.T, r map[string]any) {
		if got := Escape(str(r["input"])); got != str(r["expect"]) {
			t.Errorf("Escape(%q) = %q", r["input"], got)
		}
	},
	"unit_name_change_suffix": func(t *testing.T, r map[string]any) {
		if got, err := ChangeSuffix(str(r["name"]), str(r["suffix"])); got != str(r["expect"]) || err != nil {
			t.Errorf("ChangeSuffix(%q, %q) = %q, %v", r["name"], r["suffix"], got, err)
		}
	},
	"unit_name_build": func(t *testing.T, r map[string]any) {
		if got, err := Build(str(r["prefix"]), str(r["instance"]), str(r["suffix"])); got != str(r["expect"]) || err != nil {
			t.Errorf("Build(%q, %q, %q) = %q, %v", r["prefix"], r["instance"], r["suffix"], got, err)
		}
	},
	"unit_name_to_instance": func(t *testing.T, r map[string]any) {
		name := str(r["name"])
		kind := "error"
		switch {
		case ValidAs(name, KindPlain):
			kind = "PLAIN"
		case ValidAs(name, KindInstance):
			kind = "INSTANCE"
		case ValidAs(name, KindTemplate):
			kind = "TEMPLATE"
		}
		_, inst, _ := Split(name)
		if kind != str(r["ret"]) || kind != "error" && inst != str(r["instance"]) {
			t.Errorf("%q: kind %s, instance %q", name, kind, inst)
		}
	},
}

// TestPeer runs systemd's unit-name tables; every table is either run or skipped for a stated reason.
func TestPeer(t *testing.T) {
	keys := make([]string, 0, len(peerCases))
	for k := range peerCases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, table := range keys {
		run, ok := peerTests[table]
		if !ok {
			if _, skipped := peerSkipped[table]; !skipped {
				t.Errorf("table %s is neither run nor skipped", table)
			}
			continue
		}
		t.Run(table, func(t *testing.T) {
			for i, r := range peerCases[table] {
				t.Run(rowName(i, r), func(t *testing.T) { run(t, r) })
			}
		})
	}
}
