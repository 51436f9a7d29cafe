#!/usr/bin/env python3
"""IP-level precision and recall of a tool's findings against the ground truth
of bench/gen_weblog.py.

Usage: weblog_eval.py TRUTH canhgac JSONL
       weblog_eval.py TRUTH fail2ban ROWS MAXRETRY FINDTIME
The canhgac input is `canhgac scan --json` output (allowlisted findings are not
counted as flagged). The fail2ban input is `fail2ban-regex --out row` output; an
address counts as flagged when it has MAXRETRY matches within FINDTIME seconds,
as a jail would ban it. Prints one line: flagged, precision, recall, and recall
per category.
"""

import ast
import collections
import json
import sys


def load_truth(path):
    truth = {}
    with open(path) as f:
        for ln in f:
            ip, cat = ln.strip().split(",")
            truth[ip] = cat
    return truth


def canhgac_flagged(path):
    flagged = set()
    with open(path) as f:
        for ln in f:
            o = json.loads(ln)
            if not o.get("allowlisted"):
                flagged.add(o["ip"])
    return flagged


def fail2ban_flagged(path, maxretry, findtime):
    times = collections.defaultdict(list)
    with open(path) as f:
        for ln in f:
            ln = ln.strip().rstrip(",")
            if not ln.startswith("["):
                continue
            try:
                row = ast.literal_eval(ln.replace("\t", " "))
            except (ValueError, SyntaxError):
                continue
            times[row[0]].append(float(row[1]))
    flagged = set()
    for ip, ts in times.items():
        ts.sort()
        for i in range(len(ts) - maxretry + 1):
            if ts[i + maxretry - 1] - ts[i] < findtime:
                flagged.add(ip)
                break
    return flagged


def main():
    truth = load_truth(sys.argv[1])
    if sys.argv[2] == "canhgac":
        flagged = canhgac_flagged(sys.argv[3])
    else:
        flagged = fail2ban_flagged(sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    tp = len(flagged & set(truth))
    precision = tp / len(flagged) if flagged else 1.0
    recall = tp / len(truth) if truth else 1.0
    per = collections.defaultdict(lambda: [0, 0])
    for ip, cat in truth.items():
        per[cat][1] += 1
        per[cat][0] += ip in flagged
    cats = " ".join("%s=%.2f" % (c, per[c][0] / per[c][1]) for c in sorted(per))
    print("flagged=%d precision=%.2f recall=%.2f  recall by category: %s" % (len(flagged), precision, recall, cats))


if __name__ == "__main__":
    main()
