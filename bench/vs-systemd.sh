#!/bin/sh
# Runs BenchmarkVsSystemd (test/system/bench_systemd_test.go): systemd 252 and sysmaster, each as PID 1 of a fresh
# PID+mount namespace, with the same 1,000 oneshot units and one sleep service, in the same run; prints each
# figure for both and the ratio sysmaster/systemd (docs/performance.md, "Beside systemd"). As root.
#
#   bench/vs-systemd.sh        three runs
#   bench/vs-systemd.sh 5      five runs
set -eu
cd "$(dirname "$0")/.."
count=${1:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The pattern is anchored: BenchmarkDBusVsSystemd is another benchmark.
echo "go test -run XXX -bench '^BenchmarkVsSystemd\$' -benchtime 1x -count $count -timeout 30m ./test/system/" >&2
go test -run XXX -bench '^BenchmarkVsSystemd$' -benchtime 1x -count "$count" -timeout 30m ./test/system/ >"$out" 2>&1 || { cat "$out"; exit 1; }
# Each benchmark line holds value-unit pairs: NAME-systemd, NAME-sysmaster, NAME-ratio. One row per figure, one
# column per run.
awk '/^BenchmarkVsSystemd/ {
	run++
	for (i = 5; i < NF; i += 2) {
		unit = $(i+1); n = split(unit, p, "-"); side = p[n]; name = substr(unit, 1, length(unit) - length(side) - 1)
		if (!(name in seen)) { seen[name] = 1; order[++names] = name }
		v[name, side, run] = $i
	}
}
END {
	printf "%-14s %-10s", "figure", "side"; for (r = 1; r <= run; r++) printf " %10s", "run " r; printf "\n"
	for (k = 1; k <= names; k++) {
		name = order[k]
		split("systemd sysmaster ratio", sides, " ")
		for (s = 1; s <= 3; s++) {
			printf "%-14s %-10s", (s == 1 ? name : ""), sides[s]
			for (r = 1; r <= run; r++) printf " %10s", v[name, sides[s], r]
			printf "\n"
		}
	}
}' "$out"
