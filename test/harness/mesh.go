package harness

import (
	"fmt"
	"strings"
)

// Mesh returns n target unit files (name → content) in a layered mesh, as benchmarks load them: layers of 100,
// each unit Wants= and After= three units of the next layer (so the ordering is n/100 deep and has no cycle),
// every tenth unit with a drop-in; and big.target, which wants them all.
func Mesh(n int) map[string]string {
	units := make(map[string]string, n+n/10+1)
	var all strings.Builder
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("u%05d.target", i)
		var ds []string
		if next := (i/100 + 1) * 100; next < n {
			for k := 0; k < 3; k++ {
				ds = append(ds, fmt.Sprintf("u%05d.target", next+(i*7+k*13)%100))
			}
		}
		deps := strings.Join(ds, " ")
		units[name] = "[Unit]\nDescription=Unit " + name + "\nWants=" + deps + "\nAfter=" + deps + "\n"
		if i%10 == 0 {
			units[name+".d/override.conf"] = "[Unit]\nDocumentation=man:bench(1)\n"
		}
		all.WriteString(name + " ")
	}
	units["big.target"] = "[Unit]\nDescription=Big\nWants=" + all.String() + "\n"
	return units
}
