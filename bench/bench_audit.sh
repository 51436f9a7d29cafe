#!/bin/sh
# Audit writer: durable records per second with 1, 16 and 64 concurrent writers,
# group commit (as served) beside one fdatasync per record, and dd oflag=dsync on
# the same disk as the device's own ceiling for synchronous 512-byte writes.
# Usage: bench/bench_audit.sh   (BUILD=build, BENCH_DIR=$BUILD/bench-audit,
#                                BENCH_SECONDS=3 per cell, DD_COUNT=2000)
set -eu
BUILD=${BUILD:-build}
BIN=$BUILD/audit_bench
WORK=${BENCH_DIR:-$BUILD/bench-audit}
SECS=${BENCH_SECONDS:-3}
DD_COUNT=${DD_COUNT:-2000}
if [ ! -x "$BIN" ]; then
	echo "bench_audit: $BIN not found: run 'make build' first" >&2
	exit 1
fi
rm -rf "$WORK"
mkdir -p "$WORK"
dev=$(df -P "$WORK" | awk 'NR == 2 {print $1 " (" $6 ")"}')
echo "== Audit writer: durable records/s on $dev, ${SECS}s per cell, $(nproc) cores"

start=$(date +%s.%N)
dd if=/dev/zero of="$WORK/dd.bin" bs=512 count="$DD_COUNT" oflag=dsync 2>/dev/null
end=$(date +%s.%N)
dd_rate=$(echo "$start $end $DD_COUNT" | awk '{printf "%.0f", $3 / ($2 - $1)}')
rm -f "$WORK/dd.bin"

printf "%-8s %22s %26s %8s\n" writers "group commit (rec/s)" "fdatasync per record (rec/s)" speedup
for w in 1 16 64; do
	g=$("$BIN" "$WORK/g$w" "$w" "$SECS" 1024 | awk '{print $5}')
	s=$("$BIN" "$WORK/s$w" "$w" "$SECS" 1 | awk '{print $5}')
	printf "%-8s %22s %26s %8s\n" "$w" "$g" "$s" "$(echo "$g $s" | awk '{printf "%.1fx", $1 / $2}')"
	rm -rf "$WORK/g$w" "$WORK/s$w"
done
echo "device ceiling: dd bs=512 count=$DD_COUNT oflag=dsync: $dd_rate writes/s"
rm -rf "$WORK"
