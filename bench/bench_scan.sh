#!/bin/sh
# Web log scanning (issue 11): canhgac scan against fail2ban-regex and CrowdSec's
# offline replay on the same deterministic portal log of LINES lines (default
# 1,000,000; bench/gen_weblog.py, with a ground-truth file), in one run. Reports
# lines/s, peak memory (GNU time's maximum RSS), and precision and recall at IP
# level (bench/weblog_eval.py) per tool and per attack category. fail2ban and
# crowdsec (Debian packages) are installed if missing.
#
# CrowdSec replays about 600 lines/s, so by default it reads only the first
# CROWDSEC_LINES=100000 lines (about 3 minutes idle) and is scored against the
# ground truth of that prefix (the attackers with at least one line in it);
# canhgac is also run on the same prefix for a like-for-like row.
# CROWDSEC_LINES=all replays the whole file (about 27 minutes for 1M lines);
# CROWDSEC_LINES=0 skips CrowdSec. BUILD names the build tree.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LINES=${LINES:-1000000}
CROWDSEC_LINES=${CROWDSEC_LINES:-100000}
case $BUILD in /*) BIN=$BUILD/canhgac ;; *) BIN=$(pwd)/$BUILD/canhgac ;; esac
[ -x "$BIN" ] || { echo "bench_scan: build first ($BIN missing)" >&2; exit 1; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
if ! command -v fail2ban-regex >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends fail2ban >/dev/null
fi
if [ "$CROWDSEC_LINES" != 0 ] && ! dpkg-query -W -f '${Status}' crowdsec 2>/dev/null | grep -q 'ok installed'; then
	# README.Debian: a comment in online_api_credentials.yaml skips the
	# registration with the online API, which fails offline and leaves the
	# package unconfigured
	$SUDO mkdir -p /etc/crowdsec
	[ -s /etc/crowdsec/online_api_credentials.yaml ] ||
		echo "# no thanks (canhgac bench: offline replay only)" | $SUDO tee /etc/crowdsec/online_api_credentials.yaml >/dev/null
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends crowdsec >/dev/null 2>&1 || true
	grep -q '^#' /etc/crowdsec/online_api_credentials.yaml ||
		echo "# no thanks (canhgac bench: offline replay only)" | $SUDO tee /etc/crowdsec/online_api_credentials.yaml >/dev/null
	DEBIAN_FRONTEND=noninteractive $SUDO dpkg --configure -a >/dev/null 2>&1 || true
	# the package's service is not wanted running: the bench starts its own
	$SUDO systemctl stop crowdsec >/dev/null 2>&1 || true
fi
TMP=$(mktemp -d /tmp/bench-scan.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 bench/gen_weblog.py --lines "$LINES" --out "$TMP/access.log" --truth "$TMP/truth.csv"
n=$(wc -l <"$TMP/access.log")
echo "log: $n lines, $(wc -c <"$TMP/access.log") bytes, $(wc -l <"$TMP/truth.csv") attacking addresses; $(nproc) cores; $(fail2ban-regex --version | head -1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# measure LINES OUTFILE CMD...: lines/s (wall), peak RSS (MiB) and lines per
# CPU-second (user + system; what the tool would do alone on one core, and a
# figure the load of other processes moves less) through GNU time
measure() {
	lines=$1; out=$2; shift 2
	/usr/bin/time -f "%e %M %U %S" -o "$TMP/time" "$@" >"$out" 2>"$TMP/stderr" || true
	read -r secs kib usr sys <<EOT
$(tail -n 1 "$TMP/time")
EOT
	python3 -c "print(round($lines / max($secs, 0.001)), round($kib / 1024), round($lines / max($usr + $sys, 0.001)))"
}
row() {
	printf "%-50s %10s %9s %11s  %s\n" "$1" "$2" "$3" "$4" "$5"
}
# canhgac LABEL LOG TRUTH LINES RUNS [OPTIONS]: a run takes seconds, so a burst of
# load from other processes moves it a lot; with RUNS > 1 the median lines/s (and
# the largest peak memory) of RUNS runs is reported
canhgac() {
	label=$1; log=$2; truth=$3; lines=$4; runs=$5; shift 5
	rates=""; cpus=""; peak=0
	for _ in $(seq 1 "$runs"); do
		set -- $(measure "$lines" "$TMP/canhgac.jsonl" "$BIN" scan --json "$@" "$log") "$@"
		rates="$rates $1"; cpus="$cpus $3"; [ "$2" -gt "$peak" ] && peak=$2
		shift 3
	done
	median() { echo "$1" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
	[ "$runs" -gt 1 ] && label="$label, median of $runs"
	row "$label" "$(median "$rates")" "$peak" "$(median "$cpus")" \
		"$(python3 bench/weblog_eval.py "$truth" canhgac "$TMP/canhgac.jsonl")"
	grep "canhgac scan:" "$TMP/stderr" | sed 's/^/    /'
}

row "tool" "lines/s" "peak MiB" "lines/CPU-s" "IP-level result"

# a private, empty signature cache: the first run compiles the signatures
# (Hyperscan) and stores them, later runs load them
export CANHGAC_CACHE_DIR="$TMP/cache"
mkdir -m 700 "$CANHGAC_CACHE_DIR"
canhgac "canhgac scan (first run: compiles signatures)" "$TMP/access.log" "$TMP/truth.csv" "$n" 1
canhgac "canhgac scan (signatures cached)" "$TMP/access.log" "$TMP/truth.csv" "$n" 3
canhgac "canhgac scan --threads 1" "$TMP/access.log" "$TMP/truth.csv" "$n" 3 --threads 1
gzip -1 -c "$TMP/access.log" >"$TMP/access.log.gz"
canhgac "canhgac scan of the .gz" "$TMP/access.log.gz" "$TMP/truth.csv" "$n" 1
rm -f "$TMP/access.log.gz"

f2b() {
	label=$1; filter=$2; maxretry=$3; findtime=$4
	set -- $(measure "$n" "$TMP/f2b.rows" fail2ban-regex --out row "$TMP/access.log" "$filter")
	row "$label" "$1" "$2" "$3" "$(python3 bench/weblog_eval.py "$TMP/truth.csv" fail2ban "$TMP/f2b.rows" "$maxretry" "$findtime")"
}
f2b "fail2ban-regex nginx-botsearch (maxretry 1)" /etc/fail2ban/filter.d/nginx-botsearch.conf 1 600
# fail2ban-regex takes a relative filter path as a regex: pass an absolute one
EQ=$(pwd)/bench/weblog_fail2ban/canhgac-equivalent.conf
f2b "fail2ban-regex 7-regex filter (maxretry 1)" "$EQ" 1 600
# same matches, banned as a jail with maxretry 5 in 10 minutes would (no second run)
row "  same matches, as a jail with maxretry 5 / 600 s" "" "" "" \
	"$(python3 bench/weblog_eval.py "$TMP/truth.csv" fail2ban "$TMP/f2b.rows" 5 600)"
rm -f "$TMP/f2b.rows"

if [ "$CROWDSEC_LINES" != 0 ]; then
	if [ "$CROWDSEC_LINES" = all ]; then
		cs_log=$TMP/access.log; cs_truth=$TMP/truth.csv; cs_n=$n; what="all $n lines"
	else
		head -n "$CROWDSEC_LINES" "$TMP/access.log" >"$TMP/prefix.log"
		cs_log=$TMP/prefix.log; cs_truth=$TMP/prefix-truth.csv; cs_n=$(wc -l <"$cs_log")
		python3 bench/weblog_eval.py --prefix-truth "$TMP/truth.csv" "$cs_log" "$cs_truth"
		what="the first $cs_n lines, $(wc -l <"$cs_truth") attacking addresses in them"
	fi
	echo "CrowdSec $(crowdsec -version 2>&1 | grep -m1 -o 'v[0-9][0-9.]*' || echo '?') replays $what (CROWDSEC_LINES=$CROWDSEC_LINES):"
	REPLAY_WRAP="/usr/bin/time -f %e_%M_%U_%S -o $TMP/cs.time" \
		sh bench/weblog_crowdsec.sh "$cs_log" "$TMP/crowdsec" "$TMP/alerts.json" >"$TMP/cs.out" 2>&1 || {
		echo "    CrowdSec failed:"; sed 's/^/    /' "$TMP/cs.out" | tail -n 5; }
	if [ -s "$TMP/cs.time" ]; then
		IFS=_ read -r secs kib usr sys <<EOT
$(tail -n 1 "$TMP/cs.time")
EOT
		row "crowdsec -dsn file:// -type nginx (replay)" \
			"$(python3 -c "print(round($cs_n / max($secs, 0.001)))")" "$(python3 -c "print(round($kib / 1024))")" \
			"$(python3 -c "print(round($cs_n / max($usr + $sys, 0.001)))")" \
			"$(python3 bench/weblog_eval.py "$cs_truth" crowdsec "$TMP/alerts.json")"
	fi
	if [ "$cs_log" != "$TMP/access.log" ]; then
		canhgac "canhgac scan on the same prefix" "$cs_log" "$cs_truth" "$cs_n" 1
	fi
fi
t0=$(date +%s.%N); grep -c . "$TMP/access.log" >/dev/null; t1=$(date +%s.%N)
echo "grep -c . reads the log at $(python3 -c "print(round($n / max($t1 - $t0, 0.001)))") lines/s"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
