#!/bin/sh
# Detector throughput (issue 7): a generated month of a province's sign-ins and
# lookups (2,000 officers by default, attacks mixed in) replayed into the
# detector; audit records per second, the alerts raised and the suspension
# latency. Builds nothing: run `make build` (or cmake --build build) first.
# BUILD=dir picks another build tree; the argument is the number of officers.
set -eu
cd "$(dirname "$0")/.."
bin="${BUILD:-build}/bench_detect"
if [ ! -x "$bin" ]; then
	echo "bench_detect.sh: $bin not found; build first (make build)" >&2
	exit 2
fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load:$(uptime | sed 's/.*load average://')"
"$bin" "${1:-2000}"
