#!/bin/sh
# Lookups (issue 5): POST /api/v1/lookups per second and p50/p99 with wrk at 64
# connections and 64 officer sessions against 100,000 synthetic citizens, every
# lookup durable in the audit log, beside nginx serving a static JSON of the
# same size on loopback (the ceiling); the audit log is verified afterwards.
# Installs the Debian packages wrk and nginx when missing (root or sudo).
# Usage: bench/bench_lookup.sh   (BUILD=build, BENCH_SECONDS=15; see
#                                 bench/bench_lookup.py for the other knobs)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$BUILD/canhgac
if [ ! -x "$BIN" ]; then
	echo "bench_lookup: $BIN not found: run 'make build' first" >&2
	exit 1
fi

missing=""
for p in wrk nginx; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "bench_lookup: installing:$missing" >&2
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO=sudo
		else
			echo "bench_lookup: need root (or sudo) to install:$missing" >&2
			exit 1
		fi
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq || echo "bench_lookup: apt-get update failed; trying the cached index" >&2
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
	# the package's own nginx (port 80) is not what is measured: stop it if it started
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
		$SUDO systemctl stop nginx || true
	fi
fi

echo "== Lookups: wrk beside nginx, $(nproc) cores, $(uname -m)"
python3 bench/bench_lookup.py "$BIN" "${BENCH_SECONDS:-15}"
