#!/bin/sh
# Sign-in throughput and /healthz latency under a sign-in flood (issue 4).
set -eu
cd "$(dirname "$0")/.."
python3 bench/bench_signin.py build/canhgac "${BENCH_SECONDS:-15}"
