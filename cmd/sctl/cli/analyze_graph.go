package cli

import (
	"fmt"
	"html"
	"path"
	"sort"
	"strings"
)

// `sctl analyze dot` and `plot`: systemd-analyze 252's graph of the units' dependencies (Graphviz) and its SVG
// of the boot, from the same data as the other boot verbs (analyze_boot.go).

// dotEdges are the dependency properties dot draws, with systemd-analyze's colours, and whether --order
// (ordering) or --require (requirement) selects them; without either, all are drawn.
var dotEdges = []struct {
	property, color string
	order           bool
}{
	{"After", "green", true},
	{"Requires", "black", false},
	{"Requisite", "darkblue", false},
	{"Wants", "grey66", false},
	{"Conflicts", "red", false},
}

const dotLegend = `   Color legend: black     = Requires
                 dark blue = Requisite
                 dark grey = Wants
                 red       = Conflicts
                 green     = After
`

// globAny is systemd's strv_fnmatch: whether s matches one of the patterns.
func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// dot is `analyze dot [PATTERN...]`: an edge for each dependency of each loaded unit, kept when its source
// matches --from-pattern (if any), its target --to-pattern (if any), and either end a PATTERN (if any).
func (a *analyzer) dot(d *bootData, patterns []string) int {
	ids := make([]string, 0, len(d.units))
	for name, t := range d.units {
		if name == t.id { // not default.target's alias entry
			ids = append(ids, name)
		}
	}
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString("digraph systemd {\n")
	for _, id := range ids {
		t := d.units[id]
		for _, e := range dotEdges {
			if a.dotOrder != a.dotRequire && e.order != a.dotOrder {
				continue
			}
			for _, to := range t.deps[e.property] {
				switch {
				case len(a.fromPatterns) > 0 && !globAny(a.fromPatterns, id),
					len(a.toPatterns) > 0 && !globAny(a.toPatterns, to),
					len(patterns) > 0 && !globAny(patterns, id) && !globAny(patterns, to):
					continue
				}
				fmt.Fprintf(&b, "\t%q->%q [color=%q];\n", id, to, e.color)
			}
		}
	}
	b.WriteString("}\n")
	fmt.Fprint(a.stdout, b.String())
	fmt.Fprint(a.stderr, dotLegend)
	return exitOK
}

// Plot geometry, systemd-analyze's: 25 pixels a second (SCALE_X 0.1 per ms ×… as its svg), 20 a row.
const (
	plotScale  = 100.0 // pixels per second
	plotRow    = 20.0
	plotBorder = 10.0
	plotTop    = 80.0
)

// plot is `analyze plot`: an SVG with one bar per unit that was started since userspace began, in the order they
// began activating: the activating part, the active part up to its deactivation (or the end of the plot), the
// deactivating part, and the unit's name with its start's duration; a time grid each second, as systemd-analyze
// draws it (its CSS classes, so that a stylesheet for its plots applies).
func (a *analyzer) plot(d *bootData, _ []string) int {
	if !a.finished(d) {
		return exitFailure
	}
	var ts []*unitTimes
	end := d.finish
	for name, t := range d.units {
		if name != t.id || t.activating == 0 && t.activated == 0 {
			continue
		}
		ts = append(ts, t)
		end = max(end, t.activated, t.ended)
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].activating != ts[j].activating {
			return ts[i].activating < ts[j].activating
		}
		return ts[i].id < ts[j].id
	})
	x := func(usec uint64) float64 { return float64(usec) / 1e6 * plotScale }
	width := x(end) + 2*plotBorder + 300
	height := plotTop + plotRow*float64(len(ts)+1) + 2*plotBorder
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg width="%.0fpx" height="%.0fpx" version="1.1" xmlns="http://www.w3.org/2000/svg">

<!-- This file is a sctl analyze plot (systemd-analyze plot's layout) of the boot. -->

<defs>
  <style type="text/css">
    <![CDATA[
      rect       { stroke-width: 1; stroke-opacity: 0; }
      rect.background   { fill: rgb(255,255,255); }
      rect.activating   { fill: rgb(255,0,0); fill-opacity: 0.7; }
      rect.active       { fill: rgb(200,150,150); fill-opacity: 0.7; }
      rect.deactivating { fill: rgb(150,100,100); fill-opacity: 0.7; }
      rect.box   { fill: rgb(240,240,240); stroke: rgb(192,192,192); }
      line       { stroke: rgb(64,64,64); stroke-width: 1; }
      line.sec1  { }
      text       { font-family: Verdana, Helvetica; font-size: 14px; }
      text.left  { font-family: Verdana, Helvetica; font-size: 14px; text-anchor: start; }
      text.right { font-family: Verdana, Helvetica; font-size: 14px; text-anchor: end; }
      text.sec   { font-size: 10px; }
    ]]>
   </style>
</defs>

<rect class="background" width="100%%" height="100%%" />
<text x="20" y="50">Startup finished in %s (userspace)</text>
<g transform="translate(%.3f,%.3f)">
`, width, height, html.EscapeString(span(d.finish-d.userspace)), plotBorder, plotTop)
	rows := float64(len(ts))
	fmt.Fprintf(&b, "  <rect class=\"box\" x=\"0\" y=\"0\" width=\"%.3f\" height=\"%.3f\" />\n", x(end), plotRow*rows)
	for sec := uint64(0); sec <= end/1e6; sec++ {
		fmt.Fprintf(&b, "  <line class=\"sec1\" x1=\"%.3f\" y1=\"0\" x2=\"%.3f\" y2=\"%.3f\" />\n", x(sec*1e6), x(sec*1e6), plotRow*rows)
		fmt.Fprintf(&b, "  <text class=\"sec\" x=\"%.3f\" y=\"%.3f\" >%ds</text>\n", x(sec*1e6), plotRow*rows+12, sec)
	}
	bar := func(class string, from, to uint64, y float64) {
		if to > from {
			fmt.Fprintf(&b, "  <rect class=\"%s\" x=\"%.3f\" y=\"%.3f\" width=\"%.3f\" height=\"%.3f\" />\n", class, x(from), y, x(to)-x(from), plotRow-1)
		}
	}
	for i, t := range ts {
		y := plotRow * float64(i)
		activating := t.activating
		if activating == 0 {
			activating = t.activated
		}
		bar("activating", activating, t.activated, y)
		activeEnd := end
		if t.deactivating > 0 {
			activeEnd = t.deactivating
		}
		if t.activated > 0 {
			bar("active", t.activated, activeEnd, y)
		}
		if t.deactivating > 0 {
			bar("deactivating", t.deactivating, max(t.ended, t.deactivating), y)
		}
		label := t.id
		if t.time > 0 {
			label += " (" + span(t.time) + ")"
		}
		class, lx := "left", x(activating)+5
		if lx > x(end)*0.75 {
			class, lx = "right", x(activating)-5
		}
		fmt.Fprintf(&b, "  <text class=\"%s\" x=\"%.3f\" y=\"%.3f\">%s</text>\n", class, lx, y+14, html.EscapeString(label))
	}
	b.WriteString("</g>\n\n</svg>\n")
	fmt.Fprint(a.stdout, b.String())
	return exitOK
}
