#!/bin/sh
# `make bench`: runs every bench/bench_*.sh in name order; each prints its own
# figures. BUILD (default build) names the build tree the scripts use.
set -eu
cd "$(dirname "$0")/.."
status=0
for script in bench/bench_*.sh; do
	[ -x "$script" ] || continue
	echo "### $script"
	"$script" || status=1
	echo
done
exit $status
