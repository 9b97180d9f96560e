package rules

import (
	"os"
	"testing"
)

// The rules file sysmaster installs (config/udev/99-sysmaster.rules) parses without a complaint.
func TestShippedRules(t *testing.T) {
	const path = "../../config/udev/99-sysmaster.rules"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, diags, err := ParseFile(path, f)
	if err != nil || len(diags) != 0 || file == nil {
		t.Fatalf("%s: %v %v", path, err, diags)
	}
}
