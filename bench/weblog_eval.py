#!/usr/bin/env python3
"""IP-level precision and recall of a tool's findings against the ground truth
of bench/gen_weblog.py.

Usage: weblog_eval.py TRUTH canhgac JSONL
       weblog_eval.py TRUTH fail2ban ROWS MAXRETRY FINDTIME
       weblog_eval.py TRUTH crowdsec ALERTS_JSON
       weblog_eval.py --prefix-truth TRUTH LOG OUT   (the truth of a log prefix)

The canhgac input is `canhgac scan --json` output (allowlisted findings are not
counted as flagged). The fail2ban input is `fail2ban-regex --out row` output; an
address counts as flagged when it has MAXRETRY matches within FINDTIME seconds,
as a jail would ban it. The crowdsec input is `cscli alerts list -o json`; every
alert's source address counts as flagged (the default profile bans each one).

Prints one line: flagged, precision, recall, recall per truth category, and,
for tools that label their findings (canhgac rules, CrowdSec scenarios),
precision per label: of the addresses given that label, the share that are
attackers. A tool's labels are its own, not the generator's categories.
With --prefix-truth, writes the truth lines whose address appears in LOG (for a
tool run on the first N lines only).
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
    labels = collections.defaultdict(set)
    with open(path) as f:
        for ln in f:
            o = json.loads(ln)
            if not o.get("allowlisted"):
                lab = o["rule"] + ("/" + o["category"] if o["rule"] == "injection" and o.get("category") else "")
                labels[lab].add(o["ip"])
    return labels


def crowdsec_flagged(path):
    labels = collections.defaultdict(set)
    with open(path) as f:
        alerts = json.load(f) or []
    for a in alerts:
        src = a.get("source") or {}
        ip = src.get("ip") or src.get("value")
        if ip:
            labels[a.get("scenario", "?").split("/")[-1]].add(ip)
    return labels


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
    return {"": flagged}


def prefix_truth(truth_path, log_path, out_path):
    truth = load_truth(truth_path)
    seen = set()
    with open(log_path, errors="replace") as f:
        for ln in f:
            ip = ln.split(" ", 1)[0]
            if ip in truth:
                seen.add(ip)
    with open(out_path, "w") as f:
        for ip, cat in truth.items():
            if ip in seen:
                f.write("%s,%s\n" % (ip, cat))


def main():
    if sys.argv[1] == "--prefix-truth":
        prefix_truth(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    truth = load_truth(sys.argv[1])
    if sys.argv[2] == "canhgac":
        labels = canhgac_flagged(sys.argv[3])
    elif sys.argv[2] == "crowdsec":
        labels = crowdsec_flagged(sys.argv[3])
    else:
        labels = fail2ban_flagged(sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    flagged = set().union(*labels.values()) if labels else set()
    tp = len(flagged & set(truth))
    precision = tp / len(flagged) if flagged else 1.0
    recall = tp / len(truth) if truth else 1.0
    per = collections.defaultdict(lambda: [0, 0])
    for ip, cat in truth.items():
        per[cat][1] += 1
        per[cat][0] += ip in flagged
    cats = " ".join("%s=%.2f" % (c, per[c][0] / per[c][1]) for c in sorted(per))
    out = "flagged=%d precision=%.2f recall=%.2f  recall by category: %s" % (len(flagged), precision, recall, cats)
    named = {k: v for k, v in labels.items() if k}
    if named:
        out += "  precision by label: " + " ".join(
            "%s=%.2f" % (k, len(v & set(truth)) / len(v)) for k, v in sorted(named.items()))
    print(out)


if __name__ == "__main__":
    main()
