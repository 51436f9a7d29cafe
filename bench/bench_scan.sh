#!/bin/sh
# Web log scanning (issue 11): canhgac scan against fail2ban-regex on the same
# deterministic portal log of LINES lines (default 1,000,000; bench/gen_weblog.py,
# with a ground-truth file), in one run. Reports lines/s, peak memory, and
# precision and recall at IP level (bench/weblog_eval.py) per tool. fail2ban
# (Debian package) is installed if missing. BUILD names the build tree.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LINES=${LINES:-1000000}
BIN=$BUILD/canhgac
[ -x "$BIN" ] || { echo "bench_scan: build first ($BIN missing)" >&2; exit 1; }
if ! command -v fail2ban-regex >/dev/null 2>&1; then
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends fail2ban >/dev/null
fi
TMP=$(mktemp -d /tmp/bench-scan.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 bench/gen_weblog.py --lines "$LINES" --out "$TMP/access.log" --truth "$TMP/truth.csv"
n=$(wc -l <"$TMP/access.log")
echo "log: $n lines, $(wc -l <"$TMP/truth.csv") attacking addresses; $(nproc) cores; $(fail2ban-regex --version | head -1)"
printf "%-46s %12s %10s  %s\n" "tool" "lines/s" "peak MiB" "IP-level result"

# measure NAME OUTFILE CMD...: wall time and peak RSS through GNU time
measure() {
	name=$1; out=$2; shift 2
	/usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >"$out" 2>"$TMP/stderr" || true
	read -r secs kib <<EOT
$(tail -n 1 "$TMP/time")
EOT
	rate=$(python3 -c "print(round($n / max($secs, 0.001)))")
	mib=$(python3 -c "print(round($kib / 1024))")
	echo "$name|$rate|$mib"
}

r=$(measure "canhgac scan" "$TMP/canhgac.jsonl" "$BIN" scan --json "$TMP/access.log")
ev=$(python3 bench/weblog_eval.py "$TMP/truth.csv" canhgac "$TMP/canhgac.jsonl")
printf "%-46s %12s %10s  %s\n" "$(echo "$r" | cut -d'|' -f1)" "$(echo "$r" | cut -d'|' -f2)" "$(echo "$r" | cut -d'|' -f3)" "$ev"
grep "canhgac scan:" "$TMP/stderr" | sed 's/^/    /'

f2b() {
	label=$1; filter=$2; maxretry=$3; findtime=$4
	r=$(measure "$label" "$TMP/f2b.rows" fail2ban-regex --out row "$TMP/access.log" "$filter")
	ev=$(python3 bench/weblog_eval.py "$TMP/truth.csv" fail2ban "$TMP/f2b.rows" "$maxretry" "$findtime")
	printf "%-46s %12s %10s  %s\n" "$label" "$(echo "$r" | cut -d'|' -f2)" "$(echo "$r" | cut -d'|' -f3)" "$ev"
}
f2b "fail2ban-regex nginx-botsearch (maxretry 1)" /etc/fail2ban/filter.d/nginx-botsearch.conf 1 600
EQ=$(pwd)/bench/weblog_fail2ban/canhgac-equivalent.conf
f2b "fail2ban-regex 8-regex filter (maxretry 1)" "$EQ" 1 600
# same matches, banned as a jail with maxretry 5 in 10 minutes would (no second run)
ev=$(python3 bench/weblog_eval.py "$TMP/truth.csv" fail2ban "$TMP/f2b.rows" 5 600)
printf "%-46s %12s %10s  %s\n" "  same, as a jail with maxretry 5 / 600 s" "" "" "$ev"
t0=$(date +%s.%N); grep -c . "$TMP/access.log" >/dev/null; t1=$(date +%s.%N)
echo "grep -c . reads it at $(python3 -c "print(round($n / max($t1 - $t0, 0.001)))") lines/s"
