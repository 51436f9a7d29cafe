#!/usr/bin/env python3
"""The time from a dropped web shell to its alert during `canhgac serve` (issue 10,
target 2 s): serve watches the web root; once its first rescan is done, DROPS
harmless samples (the text of tests/fixtures/webshells/php_china_chopper.txt, each
made unique) are written one at a time, and GET /api/v1/alerts is polled every
20 ms until the alert with that path is there. Prints the write-to-visible-alert
and write-to-detection (detail.detected_at_ms) times: median, p95, max."""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness  # noqa: E402


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--drops", type=int, default=20)
    a = ap.parse_args()
    conf = harness.config_path(a.data)
    harness.set_config(conf, "fim", "roots", a.root)
    for section, key, value in harness.FAST_HASH:  # the admin's sign-in is not what is measured
        harness.set_config(conf, section, key, value)
    with open(os.path.join(HERE, "..", "tests", "fixtures", "webshells", "php_china_chopper.txt"), "rb") as f:
        shell = f.read()
    t_start = time.monotonic()
    with harness.Server(a.data) as srv:
        ready = harness.eventually(srv.log_lines, lambda ls: any(
            l.get("module") == "fim" and l.get("reason") == "start" for l in ls), timeout=600, interval=0.2)
        start = [l for l in ready if l.get("reason") == "start"]
        if not start:
            sys.exit("the watcher did not finish its first rescan")
        print("serve: first rescan of %s files watching %s directories took %s ms (%.1f s after start)"
              % (start[0]["files"], start[0]["directories_watched"], start[0]["ms"], time.monotonic() - t_start))
        admin = harness.signed_in(srv, "admin", a.password)
        os.makedirs(os.path.join(a.root, "uploads"), exist_ok=True)
        visible, detected = [], []
        for k in range(a.drops):
            path = os.path.join(a.root, "uploads", "bench_%03d.php" % k)
            t0 = time.time()
            with open(path, "wb") as f:
                f.write(shell + b"\n// %d\n" % k)
            deadline = time.monotonic() + 30
            hit = None
            while hit is None and time.monotonic() < deadline:
                st, _, body = admin.request("GET", "/api/v1/alerts?status=new")
                hit = next((x for x in body.get("alerts", []) if x["detail"].get("path") == path
                            and x["rule"] == "fim_webshell"), None) if st == 200 else None
                if hit is None:
                    time.sleep(0.02)
            if hit is None:
                sys.exit("no alert for %s within 30 s" % path)
            visible.append((time.time() - t0) * 1000)
            detected.append(hit["detail"]["detected_at_ms"] - t0 * 1000)
            time.sleep(0.3)
    for name, v in (("write -> alert visible in GET /alerts", visible),
                    ("write -> detected (detail.detected_at_ms)", detected)):
        print("%-44s median %6.0f ms  p95 %6.0f ms  max %6.0f ms  (%d drops)"
              % (name, statistics.median(v), pct(v, 95), max(v), len(v)))


if __name__ == "__main__":
    main()
