"""`canhgac scan` end to end over the sample logs of tests/fixtures/weblog/
(gen_sample.py): the table, --json fields, exit codes, .gz and stdin, JSON
input, the nginx deny file and the nftables script, the malformed count, a
custom log_format, and a generated day of ordinary traffic with attackers."""

import gzip
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FIX = os.path.join(harness.SOURCE_DIR, "tests", "fixtures", "weblog")
SAMPLE = os.path.join(FIX, "sample.log")
EXPECTED = {("scanner-404", "45.148.10.1"), ("scanner-probe", "45.148.10.2"), ("brute-force", "185.220.1.3"),
            ("injection", "103.77.1.4"), ("injection", "2001:db8::5"), ("scanner-probe", "127.0.0.1"),
            ("rate", "89.248.1.5")}


def findings(stdout):
    return [json.loads(ln) for ln in stdout.splitlines() if ln.strip()]


class ScanTest(unittest.TestCase):
    def test_json_fields_and_exit(self):
        p = harness.run(["scan", "--json", SAMPLE])
        self.assertEqual(p.returncode, 1, p.stderr)
        fs = findings(p.stdout)
        self.assertEqual({(f["rule"], f["ip"]) for f in fs}, EXPECTED)
        for f in fs:
            for k in ("rule", "category", "ip", "count", "first", "last", "sample", "allowlisted", "ban_until"):
                self.assertIn(k, f)
            self.assertRegex(f["first"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertTrue(1 <= len(f["sample"]) <= 3)
        by = {(f["rule"], f["ip"]): f for f in fs}
        self.assertEqual(by[("brute-force", "185.220.1.3")]["count"], 12)
        self.assertEqual(by[("injection", "103.77.1.4")]["category"], "sqli")
        self.assertEqual(by[("injection", "2001:db8::5")]["category"], "log4shell")
        self.assertEqual(by[("scanner-404", "45.148.10.1")]["first"], "2024-10-10T07:10:00Z")
        local = by[("scanner-probe", "127.0.0.1")]
        self.assertTrue(local["allowlisted"])
        self.assertIsNone(local["ban_until"])
        self.assertIn("3 malformed", p.stderr)
        self.assertIn("sample.log:11", p.stderr)
        self.assertIn("lines/s", p.stderr)

    def test_table_gz_stdin_json_input(self):
        p = harness.run(["scan", SAMPLE])
        self.assertEqual(p.returncode, 1)
        self.assertIn("RULE", p.stdout)
        self.assertIn("brute-force", p.stdout)
        self.assertIn("allowlisted", p.stdout)
        with harness.tempdir() as tmp:
            gz = os.path.join(tmp, "access.log.1.gz")
            with open(SAMPLE, "rb") as src, gzip.open(gz, "wb") as dst:
                dst.write(src.read())
            p = harness.run(["scan", "--json", gz])
            self.assertEqual({(f["rule"], f["ip"]) for f in findings(p.stdout)}, EXPECTED)
        with open(SAMPLE, encoding="utf-8") as f:
            p = harness.run(["scan", "--json", "-"], input=f.read())
        self.assertEqual({(f["rule"], f["ip"]) for f in findings(p.stdout)}, EXPECTED)
        self.assertIn("stdin:11", p.stderr)
        p = harness.run(["scan", "--json", "--format", "json", os.path.join(FIX, "sample.jsonl")])
        self.assertEqual({(f["rule"], f["ip"]) for f in findings(p.stdout)}, EXPECTED)
        self.assertIn("0 malformed", p.stderr)

    def test_ban_files(self):
        with harness.tempdir() as tmp:
            deny, nft = os.path.join(tmp, "deny.conf"), os.path.join(tmp, "ban.nft")
            p = harness.run(["scan", "--nginx-deny", deny, "--nftables", nft, SAMPLE])
            self.assertEqual(p.returncode, 1, p.stderr)
            with open(deny) as f:
                d = f.read()
            self.assertIn("deny 185.220.1.3; # brute-force until 2024-10-10T08:15:55Z", d)
            self.assertIn("deny 2001:db8::5;", d)
            self.assertNotIn("127.0.0.1", d)  # allowlisted
            self.assertEqual(sum(1 for ln in d.splitlines() if ln.startswith("deny ")), 6)
            with open(nft) as f:
                n = f.read()
            self.assertIn("add table inet canhgac", n)
            self.assertIn("add set inet canhgac banned { type ipv4_addr; flags timeout; }", n)
            self.assertIn("add element inet canhgac banned { 89.248.1.5 timeout 3600s }", n)
            self.assertIn("add element inet canhgac banned6 { 2001:db8::5 timeout 3600s }", n)
            self.assertNotIn("127.0.0.1", n)

    def test_config_and_log_format(self):
        with harness.tempdir() as tmp:
            conf = os.path.join(tmp, "c.conf")
            with open(conf, "w") as f:
                f.write("[weblog]\nban_seconds = 600\nrate_count = 1000\nallowlist = 127.0.0.0/8, 45.148.10.0/24\n")
            p = harness.run(["scan", "--json", "--config", conf, SAMPLE])
            fs = findings(p.stdout)
            self.assertNotIn("rate", {f["rule"] for f in fs})
            self.assertTrue(all(f["allowlisted"] for f in fs if f["ip"].startswith("45.148.10.")))
            log = os.path.join(tmp, "custom.log")
            with open(log, "w") as f:
                for k in range(12):
                    f.write("185.220.1.3|2024-10-10T14:15:%02d+07:00|POST /dang-nhap HTTP/1.1|401|0.01\n" % k)
            p = harness.run(["scan", "--json", "--log-format",
                             "$remote_addr|$time_iso8601|$request|$status|$request_time", log])
            self.assertEqual([(f["rule"], f["ip"]) for f in findings(p.stdout)], [("brute-force", "185.220.1.3")])

    def test_usage_and_clean(self):
        self.assertEqual(harness.run(["scan"]).returncode, 2)
        self.assertEqual(harness.run(["scan", "--format", "iis", SAMPLE]).returncode, 2)
        self.assertEqual(harness.run(["scan", "--bogus", SAMPLE]).returncode, 2)
        self.assertEqual(harness.run(["scan", "/nonexistent/access.log"]).returncode, 2)
        self.assertEqual(harness.run(["scan", "--log-format", "$status", SAMPLE]).returncode, 2)
        p = harness.run(["scan", "--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("--nftables", p.stdout)
        with harness.tempdir() as tmp:
            clean = os.path.join(tmp, "clean.log")
            with open(SAMPLE) as src, open(clean, "w") as dst:
                dst.writelines(ln for ln in src if ln.startswith("14.160."))
            p = harness.run(["scan", clean])
            self.assertEqual(p.returncode, 0, p.stdout)
            self.assertIn("no findings", p.stdout)

    def test_hostile_lines(self):
        with harness.tempdir() as tmp:
            log = os.path.join(tmp, "hostile.log")
            with open(log, "wb") as f:
                f.write(b"1.2.3.4 - - [10/Oct/2024:14:00:00 +0700] \"GET /" + b"a" * 70000 + b" HTTP/1.1\" 200 1 \"-\" \"-\"\n")
                f.write(bytes(range(256)) * 10 + b"\n")
                f.write(b"1.2.3.4 - - [10/Oct/2024:14:00:00 +0700] \"GET /\xff\xfe?q=<script> HTTP/1.1\" 200 1 \"-\" \"\xc3\x28\"\n")
                f.write(b"1.2.3.4 - - [10/Oct/2024:14:00:00 +0700] \"GET /trunc")
            p = subprocess.run([harness.binary(), "scan", "--json", log], capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(b"3 malformed", p.stderr)
            self.assertIn(b"(too long)", p.stderr)
            fs = [json.loads(ln) for ln in p.stdout.splitlines()]
            self.assertEqual([(f["rule"], f["category"]) for f in fs], [("injection", "xss")])

    def test_generated_day(self):
        gen = os.path.join(harness.SOURCE_DIR, "bench", "gen_weblog.py")
        with harness.tempdir() as tmp:
            log, truth = os.path.join(tmp, "day.log"), os.path.join(tmp, "truth.csv")
            subprocess.run([sys.executable, gen, "--lines", "30000", "--out", log, "--truth", truth], check=True)
            p = harness.run(["scan", "--json", log], timeout=120)
            flagged = {f["ip"] for f in findings(p.stdout)}
            with open(truth) as f:
                attackers = {ln.split(",")[0] for ln in f}
            self.assertEqual(flagged, attackers)
            # the same findings on one thread, on four, and from a .gz on stdin
            one = harness.run(["scan", "--json", "--threads", "1", log], timeout=120)
            four = harness.run(["scan", "--json", "--threads", "4", log], timeout=120)
            self.assertEqual(one.stdout, p.stdout)
            self.assertEqual(four.stdout, p.stdout)
            with open(log, "rb") as f:
                gz = gzip.compress(f.read(), 1)
            z = subprocess.run([harness.binary(), "scan", "--json", "-"], input=gz, capture_output=True, timeout=120)
            self.assertEqual(z.stdout.decode(), p.stdout)

    def test_threads_option(self):
        for bad in ("0", "17", "x", ""):
            self.assertEqual(harness.run(["scan", "--threads", bad, SAMPLE]).returncode, 2, bad)
        p = harness.run(["scan", "--json", "--threads", "3", SAMPLE])
        self.assertEqual({(f["rule"], f["ip"]) for f in findings(p.stdout)}, EXPECTED)
        self.assertIn("sample.log:11", p.stderr)

    def test_signature_cache(self):
        with harness.tempdir() as tmp:
            cache = os.path.join(tmp, "cache")
            env = dict(os.environ, CANHGAC_CACHE_DIR=cache)
            cmd = [harness.binary(), "scan", "--json", SAMPLE]
            first = subprocess.run(cmd, capture_output=True, env=env, timeout=60)
            files = os.listdir(cache)
            self.assertEqual(len(files), 1)
            self.assertRegex(files[0], r"^weblog-sigs-[0-9a-f]{64}\.hsdb$")
            self.assertEqual(os.stat(cache).st_mode & 0o777, 0o700)
            second = subprocess.run(cmd, capture_output=True, env=env, timeout=60)
            self.assertEqual(second.stdout, first.stdout)
            # a damaged file is ignored (compiled again), never trusted
            path = os.path.join(cache, files[0])
            with open(path, "r+b") as f:
                f.seek(200)
                f.write(b"\xff" * 64)
            third = subprocess.run(cmd, capture_output=True, env=env, timeout=60)
            self.assertEqual(third.stdout, first.stdout)
            # a new set is kept with the three entries used last; older ones, and
            # the temporary file of a writer that died, are removed
            os.unlink(path)
            now = time.time()
            fakes = []
            for age_days in range(1, 7):
                name = "weblog-sigs-%064x.hsdb" % age_days
                with open(os.path.join(cache, name), "wb") as f:
                    f.write(b"old")
                os.utime(os.path.join(cache, name), (now - age_days * 86400, now - age_days * 86400))
                fakes.append(name)
            stale = files[0] + ".4242.deadbeef"
            fresh = files[0] + ".4243.cafebabe"
            for name, age in ((stale, 7200), (fresh, 0)):
                with open(os.path.join(cache, name), "wb") as f:
                    f.write(b"partial")
                os.utime(os.path.join(cache, name), (now - age, now - age))
            with open(os.path.join(cache, "notes.txt"), "w") as f:
                f.write("not ours")
            fourth = subprocess.run(cmd, capture_output=True, env=env, timeout=60)
            self.assertEqual(fourth.stdout, first.stdout)
            self.assertEqual(sorted(os.listdir(cache)),
                             sorted([files[0], fresh, "notes.txt"] + fakes[:3]))
            # a directory others may write into is not used
            os.chmod(cache, 0o777)
            for name in os.listdir(cache):
                os.unlink(os.path.join(cache, name))
            subprocess.run(cmd, capture_output=True, env=env, timeout=60)
            self.assertEqual(os.listdir(cache), [])


if __name__ == "__main__":
    unittest.main()
