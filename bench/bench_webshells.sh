#!/bin/sh
# Web-shell detection on real collections (issue 19): recall per language (PHP,
# ASP/ASP.NET, JSP, ColdFusion) on public web-shell collections, false positives
# per 10,000 files on clean application code, and files/s, for `canhgac fim
# check` (all files new: hashed and scanned with the built-in rules) and Debian's
# `yara -r` with the same rules of data/yara (scan only).
#
# It fetches and extracts nothing: pass the corpora, already on disk, as
#   SHELLS="DIR..." CLEAN="DIR..." bench/bench_webshells.sh
# (e.g. extracted trees of tennc/webshell and JohnTroony/php-webshells; clean
# code from Debian's wordpress, roundcube, adminer, phpmyadmin, mediawiki,
# php-symfony-*, php-laravel-framework, tomcat10-examples and tomcat10-admin
# unpacked with dpkg -x). The language of a file comes from its extension, or
# for .txt and extension-less files of the web-shell collections from its first
# bytes (bench/webshell_corpus.py); files that are no server-side script
# (images, archives, READMEs, Perl) are not counted in recall. Every regular
# file of CLEAN counts for false positives (fim scans every file).
# files/s is wall time (the machine is shared: noisy); CPU s is user + system
# time of all threads, steadier. fim check also hashes every file twice and
# records every finding in its store. MISSES=FILE writes the missed shells there. BUILD names the build tree.
# yara (Debian package) is installed if missing.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
case $BUILD in /*) BIN=$BUILD/canhgac ;; *) BIN=$(pwd)/$BUILD/canhgac ;; esac
[ -x "$BIN" ] || { echo "bench_webshells: build first ($BIN missing)" >&2; exit 1; }
[ -n "${SHELLS:-}" ] && [ -n "${CLEAN:-}" ] || {
	echo "usage: SHELLS=\"DIR...\" CLEAN=\"DIR...\" $0" >&2
	exit 2
}
if ! command -v yara >/dev/null 2>&1; then
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends yara >/dev/null
fi
TMP=$(mktemp -d /tmp/bench-webshells.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
RULES=$(ls data/yara/*.yar)
NPROC=$(nproc)

# One web root, baselined empty, then filled with copies of the corpora
# (shells/N, clean/N): every file is new to fim check and scanned; the corpora
# themselves stay untouched.
"$BIN" init --data "$TMP/data" --json >/dev/null 2>&1
mkdir "$TMP/www"
"$BIN" fim baseline --data "$TMP/data" --root "$TMP/www" >/dev/null 2>&1
cp -a "$TMP/data" "$TMP/data0"
mkdir -p "$TMP/www/shells" "$TMP/www/clean"
i=0
for d in $SHELLS; do i=$((i + 1)); cp -a "$d" "$TMP/www/shells/$i"; done
i=0
for d in $CLEAN; do i=$((i + 1)); cp -a "$d" "$TMP/www/clean/$i"; done
find "$TMP/www" -type l -delete
python3 bench/webshell_corpus.py "$TMP/www/shells" >"$TMP/shells.tsv"
SNIFF=0 python3 bench/webshell_corpus.py "$TMP/www/clean" >"$TMP/clean_scripts.tsv"
find "$TMP/www/clean" -type f >"$TMP/clean_all.txt"
find "$TMP/www" -type f -print0 | xargs -0 cat >/dev/null # warm cache for both tools

FILES=$(find "$TMP/www" -type f | wc -l)
echo "corpus: $(wc -l <"$TMP/shells.tsv") web shells (of $(find "$TMP/www/shells" -type f | wc -l) files) in: $SHELLS"
echo "        $(wc -l <"$TMP/clean_all.txt") clean files ($(wc -l <"$TMP/clean_scripts.tsv") scripts) in: $CLEAN"
echo "rules: $(grep -c '^rule' $RULES | awk -F: '{s+=$2} END {print s}') in $(echo $RULES | wc -w) files; $NPROC cores; $(yara --version | sed 's/^/yara /'); load: $(uptime | sed 's/.*load average: //')"

# canhgac fim check: every file new; findings of kind webshell name the file
rm -rf "$TMP/data" && cp -a "$TMP/data0" "$TMP/data"
/usr/bin/time -f "%e %U %S %M" -o "$TMP/time.canhgac" "$BIN" fim check --data "$TMP/data" --json \
	>"$TMP/canhgac.json" 2>"$TMP/canhgac.err" || true
python3 - "$TMP/canhgac.json" >"$TMP/hits.canhgac" <<'EOF'
import json, sys, urllib.parse
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        f = json.loads(line)
    except ValueError:
        continue
    # the path rule (script_in_upload_dir) is not a YARA rule: not counted
    rules = [r for r in f.get("rule", "").split(",") if r and r != "script_in_upload_dir"]
    if f.get("kind") == "webshell" and rules:
        sys.stdout.write(urllib.parse.unquote(f["path"], errors="surrogateescape") + "\n")
EOF

# yara -r with the same rules, fast mode (first match of a rule is enough, as
# canhgac scans), as many threads as cores; one run per top directory
: >"$TMP/hits.yara"
: >"$TMP/time.yara"
start=$(date +%s.%N)
for d in "$TMP/www/shells" "$TMP/www/clean"; do
	# shellcheck disable=SC2086
	/usr/bin/time -f "%e %U %S %M" -a -o "$TMP/time.yara" yara -r -f -p "$NPROC" $RULES "$d" 2>/dev/null |
		sed 's/^[^ ]* //' >>"$TMP/hits.yara"
done
end=$(date +%s.%N)

python3 - "$TMP" "$FILES" "$start" "$end" "${MISSES:-}" <<'EOF'
import collections, sys
tmp, files, start, end, misses = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
shells = [l.rstrip("\n").split("\t", 1) for l in open(f"{tmp}/shells.tsv", encoding="utf-8", errors="surrogateescape")]
clean = set(l.rstrip("\n") for l in open(f"{tmp}/clean_all.txt", encoding="utf-8", errors="surrogateescape"))
langs = ["php", "asp", "jsp", "cfm"]
print()
print("%-34s %7s %7s %7s %7s %7s %6s %7s %8s %6s %8s" % ("tool", "PHP", "ASP", "JSP", "CFM", "all", "FP", "FP/10k", "files/s", "CPU s", "peak MiB"))
for tool in ("canhgac", "yara"):
    hits = set(l.rstrip("\n") for l in open(f"{tmp}/hits.{tool}", encoding="utf-8", errors="surrogateescape"))
    tot, got = collections.Counter(), collections.Counter()
    missed = []
    for lang, p in shells:
        tot[lang] += 1
        if p in hits:
            got[lang] += 1
        else:
            missed.append(f"{lang}\t{p}")
    fp = len(hits & clean)
    times = [l.split() for l in open(f"{tmp}/time.{tool}") if l.strip() and l.split()[0][0].isdigit()]
    secs = sum(float(t[0]) for t in times) if tool == "canhgac" else end - start
    rss = max(int(t[3]) for t in times) / 1024
    cpu = sum(float(t[1]) + float(t[2]) for t in times)
    cells = ["%6.1f%%" % (100.0 * got[l] / tot[l]) if tot[l] else "     -" for l in langs]
    alln = sum(tot.values())
    label = "canhgac fim check (hash+YARA)" if tool == "canhgac" else "yara -r -f -p N, same rules"
    print("%-34s %7s %7s %7s %7s %6.1f%% %6d %7.2f %8.0f %6.1f %8.0f" % (label, *cells, 100.0 * sum(got.values()) / max(alln, 1),
          fp, 10000.0 * fp / max(len(clean), 1), files / max(secs, 0.001), cpu, rss))
    if tool == "canhgac":
        print("    per language: " + ", ".join(f"{l} {got[l]}/{tot[l]}" for l in langs))
        if misses:
            with open(misses, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write("\n".join(sorted(m.replace(tmp + "/www/", "") for m in missed)) + "\n")
        fps = sorted(hits & clean)
        for p in fps[:20]:
            print("    false positive: " + p.replace(tmp + "/www/", ""))
EOF
grep "canhgac fim check:" "$TMP/canhgac.err" | sed 's/^/    /'
