package exec

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestPeerExecStart: systemd's 46 config_parse_exec cases, in order on one command list. ret ">=0" is
// accepted, "0" is a command that is logged and left out (the "-" prefix, or an empty value that resets the
// list), "-ENOEXEC" refuses the unit.
func TestPeerExecStart(t *testing.T) {
	b, err := os.ReadFile("testdata/execstart-parse-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Cases []struct {
			Desc     string  `json:"desc"`
			Rvalue   *string `json:"rvalue"`
			Ret      string  `json:"ret"`
			Reset    bool    `json:"list_reset"`
			Commands []struct {
				Path          string   `json:"path"`
				Argv0         string   `json:"argv0"`
				Argv12        []string `json:"argv_1_2"`
				IgnoreFailure bool     `json:"ignore_failure"`
			} `json:"commands"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Cases) != 46 {
		t.Fatalf("%d cases, want 46", len(data.Cases))
	}
	var list []Command
	for i, c := range data.Cases {
		value := ""
		if c.Rvalue != nil {
			value = *c.Rvalue
		} else { // the generated long argument: the whole value is LONG_LINE_MAX-101 bytes
			value = "/bin/echo " + strings.Repeat("x", 1048576-101-len("/bin/echo "))
		}
		if strings.TrimSpace(value) == "" {
			if !c.Reset {
				t.Fatalf("case %d %q: an empty value that does not reset", i, c.Desc)
			}
			list = nil
			continue
		}
		cmds, err := parseCommandLine(value, nil)
		var ce *CommandError
		switch c.Ret {
		case ">=0":
			if err != nil {
				t.Errorf("case %d %q (%q): %v", i, c.Desc, value, err)
				continue
			}
		case "0":
			if err != nil && !(errors.As(err, &ce) && ce.Ignored) {
				t.Errorf("case %d %q (%q): %v, want it ignored", i, c.Desc, value, err)
				continue
			}
		case "-ENOEXEC":
			if err == nil || errors.As(err, &ce) && ce.Ignored {
				t.Errorf("case %d %q (%q): %+v, %v; want the unit refused", i, c.Desc, value, cmds, err)
			}
			continue // the unit does not load: nothing is appended
		}
		list = append(list, cmds...)
		if len(cmds) != len(c.Commands) {
			t.Errorf("case %d %q (%q): %d commands %+v, want %d", i, c.Desc, value, len(cmds), cmds, len(c.Commands))
			continue
		}
		for j, want := range c.Commands {
			got := cmds[j]
			argv12 := got.Argv[1:min(3, len(got.Argv))]
			if c.Rvalue == nil {
				want.Argv12 = []string{value[len("/bin/echo "):]}
			}
			if got.Path != want.Path || got.Argv[0] != want.Argv0 || !slices.Equal(argv12, want.Argv12) ||
				got.IgnoreFailure != want.IgnoreFailure {
				t.Errorf("case %d %q (%q) command %d: path %q argv %q ignore %v; want path %q argv0 %q argv[1:3] %q ignore %v",
					i, c.Desc, value, j, got.Path, got.Argv[:min(3, len(got.Argv))], got.IgnoreFailure, want.Path,
					want.Argv0, want.Argv12, want.IgnoreFailure)
			}
		}
	}
	if len(list) != 0 {
		t.Errorf("the list holds %d commands after the final reset", len(list))
	}
}
