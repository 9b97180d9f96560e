#!/bin/sh
# Runs the service benchmarks of test/system/bench_services_test.go (as root: they boot sysmaster in fresh
# PID+mount namespaces) and prints their figures, one per line. See docs/performance.md, "Services".
#
#   bench/services.sh                  all of them, once
#   bench/services.sh 'Restart'        only those matching a -bench pattern
#   SYSMASTER_BENCH_PERF=DIR bench/services.sh
#                                      also records `perf record -g` of the core over each measured span into
#                                      DIR/<benchmark>.perf.data (slows everything down: figures are then not
#                                      comparable; for `perf report --symfs`, see docs/performance.md)
set -eu
cd "$(dirname "$0")/.."
pattern=${1:-Services|Restart}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "go test -run XXX -bench '$pattern' -benchtime 1x -timeout 30m ./test/system/" >&2
go test -run XXX -bench "$pattern" -benchtime 1x -timeout 30m ./test/system/ | tee "$out" >&2
# A benchmark line is: NAME-CPUS N ns/op then value-unit pairs; print each custom metric on its own line.
awk '/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name); print name
	for (i = 5; i < NF; i += 2) printf "    %-22s %s\n", $(i+1), $i
}' "$out"
grep -q '^ok' "$out"
