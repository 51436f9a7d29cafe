#!/usr/bin/env python3
"""Lookup benchmark (issues 5 and 17): POST /api/v1/lookups per second and
p50/p99 with wrk at 64 connections and 64 officer sessions against 100,000
synthetic citizens, every lookup under a real open dossier of the officers'
agency and durable in the audit log, in both [dossier] check modes (verify:
the dossier is read and checked; format: only the code's shape), the modes
alternated over BENCH_ROUNDS rounds on fresh data and compared by their medians;
in the same run nginx serving a static JSON file of the same size as one lookup
answer on loopback, as the ceiling; after each run the audit log is verified and
its lookup records counted.

Usage: bench/bench_lookup.py BINARY [SECONDS]
Environment: BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_POPULATION (100000),
BENCH_IDS (dossiers of the agency, 1000), BENCH_MODES ("verify,format"),
BENCH_ROUNDS (3), BENCH_KEEP=1 keeps the temporary directories, BENCH_NGINX=0 skips
nginx (for comparing two canhgac builds; no ratio is printed then),
BENCH_SET="server.threads=1 log.level=info" sets configuration keys on top of the
benchmark's own (for comparing settings).
Needs wrk and nginx on PATH (bench/bench_lookup.sh installs them).
Prints wrk's own output, then a Markdown table for docs/BENCHMARKS.md."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
os.environ["CANHGAC_BIN"] = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/canhgac"
import harness  # noqa: E402

SECONDS = int(float(sys.argv[2])) if len(sys.argv) > 2 else 15
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
POPULATION = int(os.environ.get("BENCH_POPULATION", "100000"))
IDS = int(os.environ.get("BENCH_IDS", "1000"))
MODES = [m for m in os.environ.get("BENCH_MODES", "verify,format").split(",") if m]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
OFFICERS = CONNECTIONS
AGENCY = "BENCH.SO"
LUA = os.path.join(HERE, "lookup.lua")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def fail(msg):
    sys.stderr.write("bench_lookup: %s\n" % msg)
    sys.exit(1)


def cli(args, timeout=600):
    p = harness.run(args, timeout=timeout)
    if p.returncode != 0:
        fail("canhgac %s exited %d: %s" % (" ".join(args[:2]), p.returncode, p.stderr.strip()))
    return p.stdout


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wrk(url, extra=()):
    """Runs wrk with the benchmark's parameters; returns (its output, parsed figures)."""
    args = ["wrk", "-c", str(CONNECTIONS), "-t", str(THREADS), "-d", "%ds" % SECONDS,
            "--latency", "-s", LUA, url]
    if extra:
        args += ["--"] + list(extra)
    p = subprocess.run(args, capture_output=True, text=True, timeout=SECONDS + 120)
    if p.returncode != 0:
        fail("wrk exited %d: %s %s" % (p.returncode, p.stdout, p.stderr))
    fig = {"status": {}}
    for line in p.stdout.splitlines():
        if not line.startswith("BENCH "):
            continue
        parts = line.split()
        if parts[1] == "status":
            fig["status"][int(parts[2])] = int(parts[3])
        elif parts[1] == "errors":
            fig["errors"] = dict(kv.split("=") for kv in parts[2:])
            fig["errors"] = {k: int(v) for k, v in fig["errors"].items()}
        else:
            fig[parts[1]] = int(parts[2])
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", p.stdout)
    fig["non2xx_line"] = int(m.group(1)) if m else 0
    fig["rate"] = fig["requests"] / (fig["duration_us"] / 1e6)
    out = "\n".join(l for l in p.stdout.splitlines() if not l.startswith("BENCH "))
    return out, fig


def raw_request(srv, method, path, body, headers):
    conn = srv.connection()
    try:
        conn.request(method, path, body=json.dumps(body).encode(), headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def run_canhgac(tmp, mode):
    data = harness.data_dir(tmp)
    harness.init_fast(data)  # the fast argon2id cost: only the setup's sign-ins use it
    conf = harness.config_path(data)
    for section, key, value in (("dossier", "check", mode),
                                ("quota", "user_per_minute", "10000"),
                                ("quota", "user_per_day", "1000000"),
                                ("quota", "agency_per_day", "100000000"),
                                ("log", "level", "warn"),
                                # wrk's connections and the setup all come from loopback
                                ("server", "max_connections_per_ip", "1000")):
        harness.set_config(conf, section, key, value)
    for item in os.environ.get("BENCH_SET", "").split():
        name, _, value = item.partition("=")
        section, _, key = name.partition(".")
        if not (section and key and value):
            fail("BENCH_SET: '%s' is not section.key=value" % item)
        harness.set_config(conf, section, key, value)
    t0 = time.monotonic()
    print("generating %d synthetic citizens ..." % POPULATION, flush=True)
    cli(["population", "generate", "--data", data, "--count", str(POPULATION), "--seed", "1"])
    cli(["agency", "add", "--data", data, "--code", AGENCY, "--name", "Benchmark agency",
         "--quota-per-day", "100000000"])
    otp = {}
    for i in range(OFFICERS):
        u = "bench.cb%02d" % i
        out = cli(["user", "add", "--data", data, "--username", u, "--name", "Cán Bộ Đo %d" % i,
                   "--agency", AGENCY, "--role", "officer", "--json"])
        otp[u] = json.loads(out)["one_time_password"]
    # every lookup is under a real open dossier of the agency, in both modes
    cli(["dossier", "generate", "--data", data, "--agency", AGENCY, "--count", str(IDS)])
    dossiers = json.loads(cli(["dossier", "list", "--data", data, "--agency", AGENCY, "--open",
                               "--limit", str(min(IDS, 1000)), "--json"]))
    targets = [(p["citizen_id"], d["code"], d["procedure_code"]) for d in dossiers for p in d["persons"]]
    print("setup (population, agency, %d officers, %d dossiers with %d persons) took %.1f s"
          % (OFFICERS, len(dossiers), len(targets), time.monotonic() - t0), flush=True)

    srv = harness.Server(data).start()
    try:
        # the sample is a read-only command: it runs beside the server
        p = harness.run(["population", "sample", "--data", data, "--count", "1"])
        sample_beside_server = p.returncode == 0
        if not sample_beside_server:
            fail("population sample beside the running server exited %d: %s"
                 % (p.returncode, p.stderr.strip()))
        clients = [harness.signed_in(srv, u, pw) for u, pw in otp.items()]
        st, _, body = clients[0].request("GET", "/api/v1/procedures")
        if st != 200:
            fail("GET /api/v1/procedures answered %d" % st)
        procedure = targets[0][2]
        c = clients[0]
        st, answer = raw_request(srv, "POST", "/api/v1/lookups",
                                 {"citizen_id": targets[0][0], "dossier_code": targets[0][1],
                                  "procedure_code": procedure},
                                 {"Content-Type": "application/json", "Cookie": c.cookie,
                                  "X-CSRF-Token": c.csrf})
        if st != 200:
            fail("the trial lookup answered %d: %r" % (st, answer))
        setup_lookups = 1
        sessions = os.path.join(tmp, "sessions.tsv")
        with open(sessions, "w") as f:
            for cl in clients:
                f.write("%s\t%s\n" % (cl.cookie, cl.csrf))
        idfile = os.path.join(tmp, "targets.tsv")
        with open(idfile, "w") as f:
            f.write("".join("%s\t%s\t%s\n" % t for t in targets))
        print("canhgac [dossier] check = %s: wrk -c%d -t%d -d%ds POST /api/v1/lookups (%d officers, %d targets)"
              % (mode, CONNECTIONS, THREADS, SECONDS, len(clients), len(targets)), flush=True)
        out, fig = wrk(srv.url, [sessions, idfile, str(THREADS)])
        print(out, flush=True)
    finally:
        t = time.monotonic()
        code = srv.stop(signal.SIGTERM)
        stop_s = time.monotonic() - t
    if code != 0:
        fail("canhgac serve exited %s after SIGTERM\n%s" % (code, srv.stderr_text()[-4000:]))
    verify = cli(["audit", "verify", "--data", data]).strip()
    records = 0
    exp = subprocess.Popen([harness.binary(), "audit", "export", "--data", data],
                           stdout=subprocess.PIPE, text=True)
    for line in exp.stdout:
        if '"type":"lookup"' in line:
            records += 1
    if exp.wait() != 0:
        fail("canhgac audit export failed")
    return {"mode": mode, "fig": fig, "answer": answer, "procedure": procedure, "verify": verify,
            "records": records, "setup_lookups": setup_lookups, "stop_s": stop_s,
            "sample_beside_server": sample_beside_server}


def run_nginx(answer):
    root = tempfile.mkdtemp(prefix="canhgac-bench-nginx-")
    try:
        os.chmod(root, 0o755)  # nginx's workers run as nobody when started by root
        with open(os.path.join(root, "lookup.json"), "wb") as f:
            f.write(answer)
        os.chmod(os.path.join(root, "lookup.json"), 0o644)
        port = free_port()
        conf = os.path.join(root, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""worker_processes auto;
daemon off;
pid %(root)s/nginx.pid;
error_log %(root)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    client_body_temp_path %(root)s/tmp;
    proxy_temp_path %(root)s/tmp;
    fastcgi_temp_path %(root)s/tmp;
    uwsgi_temp_path %(root)s/tmp;
    scgi_temp_path %(root)s/tmp;
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
    }
}
""" % {"root": root, "port": port})
        proc = subprocess.Popen([NGINX, "-p", root, "-c", conf, "-e", os.path.join(root, "error.log")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/lookup.json")
                    r = c.getresponse()
                    got = r.read()
                    c.close()
                    if r.status != 200 or got != answer:
                        fail("nginx answered %d with %d bytes" % (r.status, len(got)))
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        fail("nginx did not start: %s" % proc.stderr.read().decode(errors="replace"))
                    time.sleep(0.05)
            print("nginx: wrk -c%d -t%d -d%ds GET /lookup.json (%d bytes)"
                  % (CONNECTIONS, THREADS, SECONDS, len(answer)), flush=True)
            out, fig = wrk("http://127.0.0.1:%d/lookup.json" % port)
            print(out, flush=True)
        finally:
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return fig
    finally:
        shutil.rmtree(root, ignore_errors=True)


def ms(us):
    return "%.2f" % (us / 1000.0)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def main():
    runs = []
    for r in range(ROUNDS):
        # alternate the modes, and which goes first, so that drift of a busy machine
        # falls on both
        order = MODES if r % 2 == 0 else list(reversed(MODES))
        for mode in order:
            tmp = tempfile.mkdtemp(prefix="canhgac-bench-lookup-")
            try:
                print("== round %d, [dossier] check = %s" % (r + 1, mode), flush=True)
                runs.append(run_canhgac(tmp, mode))
            finally:
                if os.environ.get("BENCH_KEEP") == "1":
                    print("kept %s" % tmp)
                else:
                    shutil.rmtree(tmp, ignore_errors=True)
    bad = [c for c in runs if not c["verify"].startswith("ok") or c["records"] < c["fig"]["status"].get(200, 0)]
    print()
    print("| round | mode | lookups/s | p50 / p90 / p99 (ms) | 200 / other | audit verify | records >= 200s |")
    print("|---|---|---:|---|---|---|---|")
    for i, c in enumerate(runs):
        f = c["fig"]
        other = {s: k for s, k in f["status"].items() if s != 200}
        print("| %d | %s | %.0f | %s / %s / %s | %d / %s | %s | %s |"
              % (i // len(MODES) + 1, c["mode"], f["rate"], ms(f["p50_us"]), ms(f["p90_us"]), ms(f["p99_us"]),
                 f["status"].get(200, 0), json.dumps(other) if other else "0", c["verify"].split(":")[0],
                 "yes" if c["records"] >= f["status"].get(200, 0) + c["setup_lookups"] else "NO"))
    med = {m: median([c["fig"]["rate"] for c in runs if c["mode"] == m]) for m in MODES}
    p99 = {m: median([c["fig"]["p99_us"] for c in runs if c["mode"] == m]) for m in MODES}
    print()
    for m in MODES:
        print("median %s: %.0f lookups/s, p99 %s ms" % (m, med[m], ms(p99[m])))
    if "verify" in med and "format" in med and med["format"] > 0:
        cost = 1 - med["verify"] / med["format"]
        print("verify costs %.1f %% of format's lookups per second (target: at most 10 %%): %s"
              % (cost * 100, "met" if cost <= 0.10 else "MISSED"))
    if os.environ.get("BENCH_NGINX") != "0":
        nf = run_nginx(runs[-1]["answer"])
        print("nginx, static JSON of the same size: %.0f requests/s, p99 %s ms" % (nf["rate"], ms(nf["p99_us"])))
        for m in MODES:
            print("ratio canhgac (%s, median) / nginx: %.2f" % (m, med[m] / nf["rate"]))
        print("target: >= 50 %% of nginx's rate: %s; p99 < 10 ms: %s"
              % ("met" if min(med.values()) / nf["rate"] >= 0.5 else "MISSED",
                 "met" if max(p99.values()) < 10000 else "MISSED"))
    if bad:
        print("AUDIT CHECK FAILED in %d run(s)" % len(bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
