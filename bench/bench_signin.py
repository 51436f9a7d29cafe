#!/usr/bin/env python3
"""Sign-in benchmark (issue 4): sign-ins per second at the configured argon2id cost,
and /healthz and POST /api/v1/lookups latency (one officer session, quotas
raised, 1000 synthetic citizens) alone and while 200 concurrent clients hammer
POST /session.

Usage: bench/bench_signin.py BINARY [SECONDS]
Prints a Markdown table for docs/BENCHMARKS.md."""

import json
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


DOSSIER = "H15.50.05.13-261008-0975"


def lookup_latencies(client, procedure, ids, stop, out, errors):
    i = 0
    while not stop.is_set():
        i += 1
        t = time.perf_counter()
        try:
            st, _, body = client.request("POST", "/api/v1/lookups",
                                         {"citizen_id": ids[i % len(ids)], "dossier_code": DOSSIER,
                                          "procedure_code": procedure})
            if st != 200:
                errors.append(st)
        except OSError as e:
            errors.append(repr(e))
            continue
        out.append(time.perf_counter() - t)
        time.sleep(0.01)


def cli(args):
    p = harness.run(args, timeout=120)
    if p.returncode != 0:
        raise harness.HarnessError("canhgac %s: %s" % (" ".join(args[:2]), p.stderr))
    return p.stdout


def main():
    with harness.tempdir() as tmp:
        data = harness.data_dir(tmp)
        otp = harness.init(data)["one_time_password"]
        harness.set_config(harness.config_path(data), "lockout", "ip_max_failures", "100000")
        harness.set_config(harness.config_path(data), "log", "level", "warn")
        # all clients come from loopback: let them all connect (the per-address
        # limit would otherwise refuse most of the flood before it reaches /session)
        harness.set_config(harness.config_path(data), "server", "max_connections_per_ip", "1000")
        # one officer looks citizens up alone and during the flood (quotas raised
        # so that the probe is never refused)
        for key, value in (("user_per_minute", "10000"), ("user_per_day", "1000000"),
                           ("agency_per_day", "100000000")):
            harness.set_config(harness.config_path(data), "quota", key, value)
        cli(["population", "generate", "--data", data, "--count", "1000", "--seed", "1"])
        ids = cli(["population", "sample", "--data", data, "--count", "200"]).split()
        cli(["agency", "add", "--data", data, "--code", "BENCH.SO", "--name", "Benchmark agency"])
        officer_otp = json.loads(cli(["user", "add", "--data", data, "--username", "bench.cb", "--name",
                                      "Cán Bộ Đo", "--agency", "BENCH.SO", "--role", "officer",
                                      "--json"]))["one_time_password"]
        with harness.Server(data) as srv:
            harness.signed_in(srv, "admin", otp)  # re-hashed at the configured cost
            officer = harness.signed_in(srv, "bench.cb", officer_otp)
            st, _, body = officer.request("GET", "/api/v1/procedures")
            if st != 200:
                raise harness.HarnessError("GET /api/v1/procedures answered %d" % st)
            procedure = body["procedures"][0]["code"]
            # /healthz and lookups alone (the two probes run side by side)
            base, base_err, under_err = [], [], []
            lk_base, lk_base_err, lk_under, lk_under_err = [], [], [], []
            stop = threading.Event()
            t = threading.Thread(target=healthz_latencies, args=(srv, stop, base, base_err))
            tl = threading.Thread(target=lookup_latencies,
                                  args=(officer, procedure, ids, stop, lk_base, lk_base_err))
            t.start()
            tl.start()
            time.sleep(3)
            stop.set()
            t.join()
            tl.join()
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
            tl = threading.Thread(target=lookup_latencies,
                                  args=(officer, procedure, ids, stop_h, lk_under, lk_under_err))
            th.start()
            tl.start()
            time.sleep(SECONDS)
            elapsed = time.perf_counter() - started
            ok = counts["ok"] - counts_at_start["ok"]
            stop_h.set()
            th.join()
            tl.join()
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
    print("| POST /api/v1/lookups p50 / p99 alone (ms) | %.2f / %.2f |" % (pct(lk_base, .5), pct(lk_base, .99)))
    print("| POST /api/v1/lookups p50 / p99 during the flood (ms) | %.2f / %.2f |"
          % (pct(lk_under, .5), pct(lk_under, .99)))
    print("| lookups measured alone / during (failed) | %d / %d (%d) |"
          % (len(lk_base), len(lk_under), len(lk_base_err) + len(lk_under_err)))
    if lk_base_err or lk_under_err:
        print("lookup failures: %r" % (lk_base_err + lk_under_err)[:10])


if __name__ == "__main__":
    main()
