#!/usr/bin/env bash
# Boots the Debian 12 guest of test/boot under sysmaster and under systemd 252, alternating, N times each (default
# 3), and prints the medians and ratios: guest uptime at multi-user.target and at the end of the boot's jobs, and
# the init system's PSS at rest, and each side's own `analyze time` (sctl analyze time beside systemd-analyze time)
# (docs/performance.md, "A real Debian boot"). Needs root, qemu and the boot cache
# (.ci/boot-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
go test -run '^$' -bench BenchmarkDebianBoot -benchtime "${n}x" -timeout 120m -v ./test/boot/ |
	grep -E 'boot [0-9]+:|sysmaster +[0-9]|^Benchmark|ratio|analyze'
