#!/bin/sh
# quota_take calls per second with 1 and 2 threads over 10,000 users (issue 5).
# Builds nothing: run `make build` (or cmake --build build) first.
# BUILD=dir picks another build tree; the argument is the takes per thread.
set -eu
cd "$(dirname "$0")/.."
bin="${BUILD:-build}/bench_quota"
if [ ! -x "$bin" ]; then
	echo "bench_quota.sh: $bin not found; build first (make build)" >&2
	exit 2
fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
"$bin" "${1:-5000000}"
