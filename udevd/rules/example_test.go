package rules_test

import (
	"fmt"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/rules"
)

// A bad line is reported with its file and line and dropped; the others load.
func ExampleParseFile() {
	text := `KERNEL=="sda", ACTION #= "add"
KERNEL="sda", SYMLINK+="disk"
IMPORT{builtin}="nope"
KERNEL=="sda", SYMLINK+="disk"
`
	f, diags, _ := rules.ParseFile("99-x.rules", strings.NewReader(text))
	for _, d := range diags {
		fmt.Println(d)
	}
	fmt.Println(len(f.Lines), "line loaded")
	// Output:
	// 99-x.rules:1 Invalid key/value pair at "ACTION #= \"add\"", ignoring.
	// 99-x.rules:2 Invalid operator for KERNEL.
	// 99-x.rules:3 Unknown builtin command: nope
	// 1 line loaded
}
