package cli

import (
	"fmt"
	"sort"
	"strings"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// The dependency kinds list-dependencies follows, as systemctl does.
var (
	forwardDeps = []string{"Requires", "Requisite", "Wants", "ConsistsOf", "BindsTo"}
	reverseDeps = []string{"RequiredBy", "RequisiteOf", "WantedBy", "PartOf", "BoundBy"}
)

// depNode is what list-dependencies knows of one unit.
type depNode struct {
	active string
	deps   []string
}

func listDependencies(e *env, args []string) int {
	root := "default.target"
	if len(args) > 0 {
		root = unitName(args[0])
	}
	kinds := forwardDeps
	if e.o.reverse {
		kinds = reverseDeps
	}
	nodes := map[string]depNode{}
	fetch := func(u string) (depNode, error) {
		if n, ok := nodes[u]; ok {
			return n, nil
		}
		resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: []string{u}, Properties: append([]string{"ActiveState"}, kinds...), All: true})
		if err != nil {
			return depNode{}, err
		}
		p := props(resp.Units[0].Properties)
		n := depNode{active: p["ActiveState"]}
		for _, k := range kinds {
			n.deps = append(n.deps, strings.Fields(p[k])...)
		}
		nodes[u] = n
		return n, nil
	}
	if _, err := fetch(root); err != nil {
		return e.callFailed("list dependencies", err)
	}
	var walk func(u string, prefix string, seen map[string]bool) error
	walk = func(u, prefix string, seen map[string]bool) error {
		n, err := fetch(u)
		if err != nil {
			return err
		}
		children := sortDeps(dedupeStrings(n.deps))
		for i, c := range children {
			cn, err := fetch(c)
			if err != nil {
				return err
			}
			last := i == len(children)-1
			branch, next := "├─", "│ "
			if last {
				branch, next = "└─", "  "
			}
			fmt.Fprintf(e.stdout, "%s %s%s%s\n", bullet(cn.active), prefix, branch, c)
			// Recurse into targets only, unless --all; never around a cycle.
			if (e.o.all || strings.HasSuffix(c, ".target")) && !seen[c] {
				seen[c] = true
				if err := walk(c, prefix+next, seen); err != nil {
					return err
				}
				delete(seen, c)
			}
		}
		return nil
	}
	fmt.Fprintln(e.stdout, root)
	if err := walk(root, "", map[string]bool{root: true}); err != nil {
		return e.callFailed("list dependencies", err)
	}
	return exitOK
}

// bullet is systemctl's state mark; without a terminal it carries no color.
func bullet(active string) string {
	if !isTTY() {
		return "●"
	}
	switch active {
	case "active", "reloading":
		return "\x1b[0;1;32m●\x1b[0m"
	case "failed":
		return "\x1b[0;1;31m●\x1b[0m"
	}
	return "○"
}

// sortDeps orders as systemctl does: other units first, targets last, each group by name.
func sortDeps(list []string) []string {
	sort.Slice(list, func(i, j int) bool {
		ti, tj := strings.HasSuffix(list[i], ".target"), strings.HasSuffix(list[j], ".target")
		if ti != tj {
			return !ti
		}
		return list[i] < list[j]
	})
	return list
}

func dedupeStrings(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
