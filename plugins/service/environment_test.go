package service

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk/exec"
)

func TestEnvironmentDirective(t *testing.T) {
	c, res := parse("ExecStart=/bin/true", `Environment="A=1 2" B=3`, `Environment=C=x\ty "D=a \"q\"" E=`,
		`Environment=B=4 bad 1X=2 =v`, `Environment='F=$HOME %' G==`)
	want := []string{"A=1 2", "B=4", "C=x\ty", `D=a "q"`, "E=", "F=$HOME %", "G=="}
	if !reflect.DeepEqual(c.Exec.Environment, want) {
		t.Errorf("Environment %q, want %q", c.Exec.Environment, want)
	}
	if res.Failed() || len(res.Problems) != 3 {
		t.Errorf("problems %v", res.Problems)
	}
	for _, p := range res.Problems {
		if p.Line != 4 || p.Key != "Environment" {
			t.Errorf("warning %+v", p)
		}
	}
	c = clean(t, "ExecStart=/bin/true", "Environment=A=1", "Environment=", "Environment=B=2")
	if !reflect.DeepEqual(c.Exec.Environment, []string{"B=2"}) {
		t.Errorf("reset: %q", c.Exec.Environment)
	}
	c = clean(t, "ExecStart=/bin/true", "EnvironmentFile=/etc/a", "EnvironmentFile=-/etc/b", "PassEnvironment=LANG TERM",
		"PassEnvironment=LANG", "UnsetEnvironment=X Y=1", "EnvironmentFile=/etc/c*")
	if !reflect.DeepEqual(c.EnvironmentFiles, []EnvironmentFile{{Path: "/etc/a"}, {Path: "/etc/b", Optional: true}, {Path: "/etc/c*"}}) {
		t.Errorf("EnvironmentFiles %+v", c.EnvironmentFiles)
	}
	if !reflect.DeepEqual(c.PassEnvironment, []string{"LANG", "TERM"}) || !reflect.DeepEqual(c.UnsetEnvironment, []string{"X", "Y=1"}) {
		t.Errorf("Pass %q Unset %q", c.PassEnvironment, c.UnsetEnvironment)
	}
	c = clean(t, "ExecStart=/bin/true", "EnvironmentFile=/etc/a", "EnvironmentFile=", "PassEnvironment=A", "PassEnvironment=",
		"UnsetEnvironment=B", "UnsetEnvironment=")
	if c.EnvironmentFiles != nil || c.PassEnvironment != nil || c.UnsetEnvironment != nil {
		t.Errorf("resets: %+v", c)
	}
}

func TestConfigEnvironment(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.env", "FROMFILE=1\nSHARED=file\n# comment\nGONE=x\n")
	write("g1.env", "G=1\n")
	write("g2.env", "G=2\nH=\"h h\"\n")
	t.Setenv("SM_TEST_PASSED", "passed")
	t.Setenv("SHARED", "process")
	c := Config{ExecSettings: exec.ExecSettings{
		Exec: clean(t, "ExecStart=/bin/true", "Environment=SHARED=env ENVONLY=e GONE=y KEEP=1",
			"PassEnvironment=SM_TEST_PASSED SHARED SM_TEST_UNSET_IN_PROCESS").Exec,
		EnvironmentFiles: []EnvironmentFile{{Path: a}, {Path: filepath.Join(dir, "missing"), Optional: true},
			{Path: filepath.Join(dir, "g*.env")}, {Path: filepath.Join(dir, "nomatch*"), Optional: true}},
		PassEnvironment:  []string{"SM_TEST_PASSED", "SHARED", "SM_TEST_UNSET_IN_PROCESS"},
		UnsetEnvironment: []string{"GONE", "KEEP=2", "ENVONLY=e"},
	}}
	got, err := c.Environment([]string{"MAINPID=42", "G=extra"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SM_TEST_PASSED=passed", "SHARED=file", "KEEP=1", "FROMFILE=1", "G=extra", "H=h h", "MAINPID=42"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Environment\n got %q\nwant %q", got, want)
	}

	for _, f := range []EnvironmentFile{{Path: filepath.Join(dir, "missing")}, {Path: filepath.Join(dir, "nomatch*")},
		{Path: filepath.Join(dir, "[")}} {
		c := Config{ExecSettings: exec.ExecSettings{EnvironmentFiles: []EnvironmentFile{f}}}
		if _, err := c.Environment(nil); err == nil || !strings.Contains(err.Error(), "environment file") {
			t.Errorf("%s: error %v", f.Path, err)
		}
	}
	// A directory is not a missing file: an error even when optional.
	c = Config{ExecSettings: exec.ExecSettings{EnvironmentFiles: []EnvironmentFile{{Path: dir, Optional: true}}}}
	if _, err := c.Environment(nil); err == nil {
		t.Error("reading a directory succeeded")
	}
	// The zero Config has an empty environment but for extra.
	if got, err := (&Config{}).Environment([]string{"A=1"}); err != nil || !reflect.DeepEqual(got, []string{"A=1"}) {
		t.Errorf("zero Config: %q %v", got, err)
	}
}
