#!/bin/sh
# Browser tests of the console: installs what is missing (Debian's chromium,
# playwright-core and axe-core from npm), then runs test_*.mjs with node:test against
# CANHGAC_BIN (default build/canhgac). Screenshots land in tests/browser/artifacts/.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CANHGAC_BIN=${CANHGAC_BIN:-build/canhgac}
case "$CANHGAC_BIN" in
/*) ;;
*) CANHGAC_BIN="$ROOT/$CANHGAC_BIN" ;;
esac
export CANHGAC_BIN
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CANHGAC_BIN" ]; then
	echo "tests/browser: no canhgac binary at $CANHGAC_BIN (build first, or set CANHGAC_BIN)" >&2
	exit 2
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [ ! -x "$CHROMIUM" ]; then
	echo "tests/browser: installing chromium" >&2
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq || echo "tests/browser: apt-get update failed; trying the cached index" >&2
	$SUDO apt-get install -y -qq --no-install-recommends chromium
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "tests/browser: installing nodejs and npm" >&2
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

cd "$HERE"
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
fi
mkdir -p artifacts
# Each file starts its own server and browser; two run side by side.
exec node --test --test-concurrency=2 test_*.mjs
