#!/bin/sh
# make fuzz: builds the libFuzzer targets (the clang ASan+UBSan build tree, as
# `make check` does) if needed, then runs each tests/fuzz/fuzz_*.c target for
# FUZZ_SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/<target>.
# New inputs are kept in BUILD/fuzz-corpus/<target> (so later runs start from
# them); a crash, leak or timeout leaves its input in BUILD/fuzz-artifacts/ and
# makes this script exit 1. Reproduce with: BUILD/<target> BUILD/fuzz-artifacts/<file>
#
# Environment: FUZZ_SECONDS, FUZZ_BUILD (default build-asan), FUZZ_TARGETS (names,
# default all).
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD:-build-asan}

if ! command -v clang >/dev/null 2>&1; then
	echo "make fuzz: clang is needed (libFuzzer is part of it): run scripts/install-deps.sh" >&2
	exit 2
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCANHGAC_SANITIZE=ON >/dev/null
fi
cmake -S . -B "$BUILD" -DCANHGAC_FUZZ=ON >/dev/null

targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)}
# shellcheck disable=SC2086
cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target $targets

export FUZZ_FULL_SIGNATURES=1 # the shipped set: compiling it once is cheap in a long run
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/fuzz-artifacts"
failed=""
for t in $targets; do
	mkdir -p "$BUILD/fuzz-corpus/$t"
	echo "== $t: ${SECONDS_EACH}s" >&2
	if ! "$BUILD/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" \
		"$BUILD/fuzz-corpus/$t" "tests/fuzz/corpus/$t" >"$BUILD/fuzz-$t.log" 2>&1; then
		failed="$failed $t"
		tail -n 40 "$BUILD/fuzz-$t.log" >&2
	else
		grep -E "^stat::number_of_executed_units|^Done" "$BUILD/fuzz-$t.log" >&2 || true
	fi
done
if [ -n "$failed" ]; then
	echo "make fuzz: FAILED:$failed (inputs in $BUILD/fuzz-artifacts/)" >&2
	exit 1
fi
echo "make fuzz: no crash in $(echo $targets | wc -w) targets, ${SECONDS_EACH}s each" >&2
