#!/bin/sh
# Runs the socket-activation benchmarks of test/system/bench_sockets_test.go (as root: they boot sysmaster in a
# fresh PID+mount namespace) and prints their figures. See docs/performance.md, "Sockets".
#
#   bench/sockets.sh            first byte after activation (50 connections), Accept=yes throughput (2000)
set -eu
cd "$(dirname "$0")/.."
echo "go test -run XXX -bench SocketFirstByte -benchtime 50x ./test/system/" >&2
go test -run XXX -bench SocketFirstByte -benchtime 50x -timeout 10m ./test/system/
echo "go test -run XXX -bench SocketAcceptYes -benchtime 2000x ./test/system/" >&2
go test -run XXX -bench SocketAcceptYes -benchtime 2000x -timeout 10m ./test/system/
