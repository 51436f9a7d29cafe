#!/usr/bin/env python3
"""Sign-in benchmark (issue 4): sign-ins per second at the configured argon2id cost,
and /healthz latency alone and while 200 concurrent clients hammer POST /session.

Usage: bench/bench_signin.py BINARY [SECONDS]
Prints a Markdown table for docs/BENCHMARKS.md."""

import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
os.environ["CANHGAC_BIN"] = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/canhgac"
import harness  # noqa: E402

SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 15.0
CLIENTS = 200


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")


def healthz_latencies(srv, stop, out, errors):
    while not stop.is_set():
        t = time.perf_counter()
        try:
            st, _, _ = srv.request("GET", "/healthz")
            if st != 200:
                errors.append(st)
        except OSError as e:
            errors.append(repr(e))
            continue
        out.append(time.perf_counter() - t)
        time.sleep(0.01)


def main():
    with harness.tempdir() as tmp:
        data = harness.data_dir(tmp)
        otp = harness.init(data)["one_time_password"]
        harness.set_config(harness.config_path(data), "lockout", "ip_max_failures", "100000")
        harness.set_config(harness.config_path(data), "log", "level", "warn")
        # all clients come from loopback: let them all connect (the per-address
        # limit would otherwise refuse most of the flood before it reaches /session)
        harness.set_config(harness.config_path(data), "server", "max_connections_per_ip", "1000")
        with harness.Server(data) as srv:
            harness.signed_in(srv, "admin", otp)  # re-hashed at the configured cost
            # /healthz alone
            base, base_err, under_err = [], [], []
            stop = threading.Event()
            t = threading.Thread(target=healthz_latencies, args=(srv, stop, base, base_err))
            t.start()
            time.sleep(3)
            stop.set()
            t.join()
            # the flood
            counts = {"ok": 0, "busy": 0, "other": 0}
            lock = threading.Lock()
            stop = threading.Event()

            def hammer():
                while not stop.is_set():
                    try:
                        st, _, _ = srv.request("POST", "/api/v1/session",
                                               {"username": "admin", "password": harness.STRONG})
                    except OSError:
                        st = -1
                    with lock:
                        counts["ok" if st == 200 else "busy" if st == 503 else "other"] += 1

            flood = [threading.Thread(target=hammer) for _ in range(CLIENTS)]
            for th in flood:
                th.start()
            time.sleep(1)  # let the queue fill
            under = []
            started = time.perf_counter()
            counts_at_start = dict(counts)
            stop_h = threading.Event()
            th = threading.Thread(target=healthz_latencies, args=(srv, stop_h, under, under_err))
            th.start()
            time.sleep(SECONDS)
            elapsed = time.perf_counter() - started
            ok = counts["ok"] - counts_at_start["ok"]
            stop_h.set()
            th.join()
            stop.set()
            for f in flood:
                f.join()
    cores = os.cpu_count()
    print("| measure | value |")
    print("|---|---|")
    print("| argon2id cost | 64 MiB, 3 passes (default) |")
    print("| cores / hashing pool threads / pool queue | %d / %d / 256 |" % (cores, cores))
    print("| sign-ins per second (200 concurrent clients, %.0f s) | %.1f |" % (elapsed, ok / elapsed))
    print("| sign-ins per second per core | %.1f |" % (ok / elapsed / cores))
    print("| answers during the flood: 200 / 503 (shed: queue full, or waited over 5 s) / other | %d / %d / %d |"
          % (counts["ok"], counts["busy"], counts["other"]))
    print("| /healthz p50 / p99 alone (ms) | %.2f / %.2f |" % (pct(base, .5), pct(base, .99)))
    print("| /healthz p50 / p99 during the flood (ms) | %.2f / %.2f |" % (pct(under, .5), pct(under, .99)))
    print("| /healthz requests measured alone / during (failed) | %d / %d (%d) |"
          % (len(base), len(under), len(base_err) + len(under_err)))


if __name__ == "__main__":
    main()
