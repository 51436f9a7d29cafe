#!/bin/sh
# Installs the Debian packages canhgac needs to build, test and run, only those
# missing; safe to run again. `make demo` and `make check` call it, so a fresh
# Debian 12 machine needs nothing else. Set CANHGAC_SKIP_DEPS=1 to skip it (an
# offline build host that already has everything).
set -eu

PACKAGES="build-essential cmake pkg-config clang libclang-rt-14-dev python3 tzdata
libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libsodium-dev
libpwquality-dev cracklib-runtime libinih-dev libgnutls28-dev libcmocka-dev
libcurl4-gnutls-dev openssl libqrencode-dev libyara-dev libhyperscan-dev zlib1g-dev
libjemalloc-dev"

# The browser tests (tests/browser) need node and npm; a node installed from
# elsewhere (nodesource, nvm) is kept as it is.
if ! command -v node >/dev/null 2>&1; then
	PACKAGES="$PACKAGES nodejs npm"
fi

if [ "${CANHGAC_SKIP_DEPS:-0}" = 1 ]; then
	exit 0
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# A stale package index is the usual reason an install fails on a fresh machine.
$SUDO apt-get update -qq || echo "install-deps: apt-get update failed; trying the cached index" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
