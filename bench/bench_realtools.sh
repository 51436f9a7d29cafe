#!/bin/sh
# Access logs of real attack tools (issue 19): builds a corpus and scores
# `canhgac scan` on it at address level. nginx on loopback (port PORT, default
# 18080) in front of a tiny fake portal (bench/realtools_portal.py: news, a
# search, a dossier lookup, a login form that answers 200 on failure, an upload
# form, an API); Debian's sqlmap, wapiti, wfuzz, gobuster, hydra and nmap run
# against it one after the other with bounded settings; the lines each run
# added to the access log get the run's own label address; ordinary visitors
# (bench/realtools_browse.py: citizens, an office NAT with many sign-ins, search
# bots, an uptime monitor, a mobile app) come from their own addresses through
# an X-Label header. The truth file lists the tools' addresses with a category.
# Two runs are paced: hydra at one guess a second and gobuster at 20 requests a
# minute, under the rate and the one-minute 404 rules. COMPARE=BIN also scores
# another build on the same log.
# Prints precision and recall (bench/weblog_eval.py) and keeps the log and truth
# in OUT (default /tmp/canhgac-realtools; not for the repository).
# The tools (Debian packages) are installed if missing. BUILD names the build tree.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PORT=${PORT:-18080}
OUT=${OUT:-/tmp/canhgac-realtools}
case $BUILD in /*) BIN=$BUILD/canhgac ;; *) BIN=$(pwd)/$BUILD/canhgac ;; esac
[ -x "$BIN" ] || { echo "bench_realtools: build first ($BIN missing)" >&2; exit 1; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
for t in nginx sqlmap wapiti wfuzz gobuster hydra nmap; do
	command -v $t >/dev/null 2>&1 || need="${need:-} $t"
done
[ -z "${need:-}" ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
	$(echo "$need" | sed 's/nginx/nginx-light/') >/dev/null
rm -rf "$OUT"
mkdir -p "$OUT/nginx/logs" "$OUT/work"
BACK=$((PORT + 1))
python3 bench/realtools_portal.py "$BACK" &
PORTAL=$!
cat >"$OUT/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log;
events { worker_connections 256; }
http {
	client_body_temp_path $OUT/nginx/body;
	proxy_temp_path $OUT/nginx/proxy;
	fastcgi_temp_path $OUT/nginx/fastcgi;
	uwsgi_temp_path $OUT/nginx/uwsgi;
	scgi_temp_path $OUT/nginx/scgi;
	map \$http_x_label \$client { "" \$remote_addr; default \$http_x_label; }
	log_format combined_label '\$client - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent"';
	access_log $OUT/nginx/logs/access.log combined_label;
	server {
		listen 127.0.0.1:$PORT;
		location / { proxy_pass http://127.0.0.1:$BACK; proxy_set_header Host \$host; }
	}
}
EOF
nginx -c "$OUT/nginx/nginx.conf" -p "$OUT/nginx"
cleanup() {
	[ -f "$OUT/nginx/nginx.pid" ] && kill "$(cat "$OUT/nginx/nginx.pid")" 2>/dev/null || true
	kill "$PORTAL" 2>/dev/null || true
}
trap cleanup EXIT
sleep 1
URL=http://127.0.0.1:$PORT
LOG=$OUT/nginx/logs/access.log
: >"$OUT/truth.csv"
: >"$OUT/access.log"

# run LABEL_IP CATEGORY NAME CMD...: the lines CMD adds get LABEL_IP
run() {
	ip=$1 cat=$2 name=$3
	shift 3
	before=$(wc -l <"$LOG")
	start=$(date +%s)
	"$@" >"$OUT/work/$name.out" 2>&1 || true
	after=$(wc -l <"$LOG")
	tail -n +"$((before + 1))" "$LOG" | head -n "$((after - before))" | sed "s/^127\.0\.0\.1 /$ip /" >>"$OUT/access.log"
	[ "$cat" = benign ] || echo "$ip,$cat" >>"$OUT/truth.csv"
	printf "  %-10s %-16s %-10s %6d lines %4d s\n" "$name" "$ip" "$cat" "$((after - before))" "$(($(date +%s) - start))"
}
# browsing first, so the log has good sign-ins (redirects) before the attacks, as
# a real portal's log does; its lines already carry their addresses
run_browse() {
	before=$(wc -l <"$LOG")
	python3 bench/realtools_browse.py "$URL"
	after=$(wc -l <"$LOG")
	tail -n +"$((before + 1))" "$LOG" | head -n "$((after - before))" >>"$OUT/access.log"
	echo "  browsing: $((after - before)) lines"
}
printf "%s\n" admin root canbo test user guest demo >"$OUT/work/users"
python3 -c "
import itertools
w=['123456','password','admin','matkhau','12345678','qwerty','abc123','111111','123123','admin123']
for a,b in itertools.product(w,['','1','@','2024','!']): print(a+b)
print('MatKhau@2024')" >"$OUT/work/pass"
python3 -c "
w='admin login backup config test old new api upload uploads images img css js static tmp temp data db sql dump wp-admin wp-login.php phpmyadmin adminer.php .git .env .svn server-status cgi-bin include includes lib vendor src app web www public private secret logs log install setup shell.php cmd.php info.php phpinfo.php test.php readme.txt robots.txt sitemap.xml portal dichvucong hoso tracuu'.split()
for x in w: print(x)
for i in range(150): print('dir%03d' % i)" >"$OUT/work/words"

echo "runs (label address, category, lines, seconds):"
run_browse
run 198.51.100.11 sqli sqlmap timeout 120 sqlmap -u "$URL/tra-cuu?ma=1" --batch --random-agent --level 2 --risk 1 \
	--technique=BEUST --time-sec 1 --flush-session --output-dir "$OUT/work/sqlmap"
run 198.51.100.12 sqli sqlmap-search timeout 90 sqlmap -u "$URL/tim-kiem?q=ho+so" --batch --level 1 --risk 1 \
	--technique=BT --time-sec 1 --flush-session --output-dir "$OUT/work/sqlmap2"
run 198.51.100.13 injection wapiti timeout 150 wapiti -u "$URL/" -m sql,blindsql,xss,exec,file,crlf \
	--max-scan-time 120 --flush-session -f txt -o "$OUT/work/wapiti.txt"
run 198.51.100.14 scanner wfuzz timeout 60 wfuzz -z file,"$OUT/work/words" --hc 404 -t 5 "$URL/FUZZ"
run 198.51.100.15 scanner gobuster timeout 60 gobuster dir -q -u "$URL/" -w "$OUT/work/words" -t 5 \
	-a "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
run 198.51.100.16 brute hydra timeout 120 hydra -L "$OUT/work/users" -P "$OUT/work/pass" -t 4 -s "$PORT" 127.0.0.1 \
	http-post-form "/dang-nhap:user=^USER^&pass=^PASS^:F=Sai m"
# paced like a careful attacker: one guess a second (under the rate rule), and a
# directory scan at 20 requests a minute with a browser's user agent
run 198.51.100.18 brute hydra-slow timeout 120 hydra -l canbo -P "$OUT/work/pass" -t 1 -c 1 -s "$PORT" 127.0.0.1 \
	http-post-form "/dang-nhap:user=^USER^&pass=^PASS^:F=Sai m"
run 198.51.100.19 scanner gobuster-slow timeout 200 gobuster dir -q -u "$URL/" -w "$OUT/work/words" -t 1 --delay 3s \
	-a "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
run 198.51.100.17 scanner nmap timeout 120 nmap -Pn -sV --version-light -p "$PORT" --script "http-enum,http-headers,http-methods,http-title,http-sql-injection" 127.0.0.1
echo "corpus: $(wc -l <"$OUT/access.log") lines, $(wc -l <"$OUT/truth.csv") attacking addresses; log and truth in $OUT"
/usr/bin/time -f "%e %M" -o "$OUT/work/time" "$BIN" scan --json "$OUT/access.log" >"$OUT/canhgac.jsonl" 2>"$OUT/work/scan.err" || true
grep "canhgac scan:" "$OUT/work/scan.err" | sed 's/^/  /'
echo "canhgac scan: $(python3 bench/weblog_eval.py "$OUT/truth.csv" canhgac "$OUT/canhgac.jsonl")"
# COMPARE=/path/to/another/canhgac scores a second build (e.g. main) on the same log
if [ -n "${COMPARE:-}" ]; then
	"$COMPARE" scan --json "$OUT/access.log" >"$OUT/compare.jsonl" 2>/dev/null || true
	echo "COMPARE ($COMPARE): $(python3 bench/weblog_eval.py "$OUT/truth.csv" canhgac "$OUT/compare.jsonl")"
fi
python3 - "$OUT/truth.csv" "$OUT/canhgac.jsonl" <<'EOF'
import json, sys
truth = dict(l.strip().split(",") for l in open(sys.argv[1]) if l.strip())
flag = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    flag.setdefault(o["ip"], set()).add(o["rule"] + ("/" + o["category"] if o.get("category") else ""))
for ip in sorted(set(truth) | set(flag)):
    print("  %-16s %-10s %s" % (ip, truth.get(ip, "benign"), ", ".join(sorted(flag.get(ip, ["(not flagged)"])))))
EOF
