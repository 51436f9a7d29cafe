"""`canhgac serve` following access logs ([weblog] paths): attack lines appended
to a followed file become alerts and blocks; history written before the start is
not replayed; a line written in two pieces counts once; rotation (rename and a
new file, with the writer still finishing the old one) and copytruncate keep
detecting; an allowlisted address is alerted but never blocked; a file missing
at start is followed from its start once it appears; ordinary traffic and
malformed lines raise nothing. The server runs with a subset of the shipped
signatures (tests/fixtures/weblog/small_*.csv), which compiles quickly under
AddressSanitizer."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TIMEOUT = 10.0
FIX = os.path.join(harness.SOURCE_DIR, "tests", "fixtures", "weblog")
# serve compiles the attack signatures before it listens: under AddressSanitizer on
# a loaded machine that takes longer than other servers' start
harness.START_TIMEOUT = max(harness.START_TIMEOUT, 30.0)


def line(ip, request, status=404, ua="Mozilla/5.0"):
    now = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    return '%s - - [%s] "%s HTTP/1.1" %d 153 "-" "%s"\n' % (ip, now, request, status, ua)


def append(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


class WeblogFollow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        data = harness.data_dir(cls.tmp.name)
        pw = harness.init_fast(data)["one_time_password"]
        cls.logs = os.path.join(cls.tmp.name, "logs")
        os.mkdir(cls.logs)
        cls.a = os.path.join(cls.logs, "access.log")
        cls.b = os.path.join(cls.tmp.name, "later", "portal.log")  # its directory is missing too
        # history: an attack written before the server starts is not replayed
        append(cls.a, line("203.0.113.99", "GET /.env"))
        conf = harness.config_path(data)
        harness.set_config(conf, "weblog", "paths", "%s,%s" % (cls.a, cls.b))
        harness.set_config(conf, "weblog", "allowlist", "127.0.0.0/8,198.51.100.0/24")
        # a subset of the shipped signatures: the full set takes seconds of CPU to
        # compile under AddressSanitizer (test_scan covers it); this test is about
        # following files
        for key, name in (("signatures", "small_signatures.csv"), ("probe_paths", "small_probe_paths.csv")):
            harness.set_config(conf, "weblog", key, os.path.join(FIX, name))
        cls.srv = harness.Server(data).start()
        cls.admin = harness.signed_in(cls.srv, "admin", pw)

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        assert code == 0

    def alerts(self):
        st, _, body = self.admin.request("GET", "/api/v1/alerts")
        self.assertEqual(st, 200, body)
        return body["alerts"]

    def blocks(self):
        st, _, body = self.admin.request("GET", "/api/v1/blocks")
        self.assertEqual(st, 200, body)
        return {b["ip"]: b for b in body["blocks"]}

    def alert_for(self, ip, rule):
        found = harness.eventually(self.alerts, lambda al: any(a["ip"] == ip and a["rule"] == rule for a in al),
                                   timeout=TIMEOUT)
        hits = [a for a in found if a["ip"] == ip and a["rule"] == rule]
        if not hits:
            self.srv.dump_stderr("no %s alert for %s" % (rule, ip))
        self.assertEqual(len(hits), 1, found)
        return hits[0]

    def assert_blocked(self, ip, rule):
        b = harness.eventually(self.blocks, lambda bl: ip in bl, timeout=TIMEOUT)
        self.assertIn(ip, b)
        self.assertEqual(b[ip]["reason"], rule)
        self.assertEqual(b[ip]["created_by"], "detector")

    def test_probe_alerted_and_blocked_partial_line(self):
        text = line("203.0.113.5", "GET /.env")
        append(self.a, text[:25])  # the writer's line arrives in two pieces
        time.sleep(0.3)
        t0 = time.monotonic()
        append(self.a, text[25:])
        a = self.alert_for("203.0.113.5", "weblog_scanner")
        print("line written to alert listed: %.0f ms (client poll every 50 ms)" % ((time.monotonic() - t0) * 1000),
              file=sys.stderr)
        self.assertEqual(a["severity"], "medium")
        self.assertEqual(a["detail"]["source"], "weblog")
        self.assertEqual(a["detail"]["weblog_rule"], "scanner-probe")
        self.assertIn("/.env", a["detail"]["sample"])
        self.assertFalse(a["detail"]["allowlisted"])
        self.assertTrue(a["incident_id"] > 0)
        self.assert_blocked("203.0.113.5", "weblog_scanner")
        # the line from before the start was not replayed
        self.assertFalse([x for x in self.alerts() if x["ip"] == "203.0.113.99"])

    def test_injection_and_brute_force(self):
        append(self.a, line("203.0.113.6", "GET /tra-cuu?ma=1%27%20UNION%20SELECT%20password%20FROM%20users--",
                            status=200))
        append(self.a, "".join(line("203.0.113.7", "POST /dang-nhap", status=401) for _ in range(10)))
        a = self.alert_for("203.0.113.6", "weblog_injection")
        self.assertEqual((a["severity"], a["detail"]["category"]), ("high", "sqli"))
        self.assert_blocked("203.0.113.6", "weblog_injection")
        a = self.alert_for("203.0.113.7", "weblog_brute_force")
        self.assertEqual(a["detail"]["count"], 10)
        self.assert_blocked("203.0.113.7", "weblog_brute_force")

    def test_allowlisted_alerted_not_blocked(self):
        append(self.a, line("198.51.100.7", "GET /phpmyadmin/index.php"))
        append(self.a, line("203.0.113.8", "GET /wp-config.php.bak"))  # written after: a marker
        a = self.alert_for("198.51.100.7", "weblog_scanner")
        self.assertTrue(a["detail"]["allowlisted"])
        self.assert_blocked("203.0.113.8", "weblog_scanner")
        self.assertNotIn("198.51.100.7", self.blocks())

    def test_ordinary_traffic_and_malformed_lines_raise_nothing(self):
        calm = "192.0.2.10"
        text = "".join(line(calm, req, status=200) for req in
                       ("GET /", "GET /thu-tuc-hanh-chinh?tu-khoa=dang+ky+khai+sinh", "GET /static/app.js",
                        "POST /dang-nhap", "GET /ho-so/H15.50.05.13-261008-0975"))
        text += line(calm, "POST /dang-nhap", status=401)  # one mistyped password
        text += "this is not an access-log line\n\x00\xff binary\n"
        append(self.a, text * 3)
        append(self.a, line("203.0.113.9", "GET /.svn/entries"))  # a marker after them
        self.alert_for("203.0.113.9", "weblog_scanner")
        self.assertFalse([x for x in self.alerts() if x["ip"] == calm])
        self.assertNotIn(calm, self.blocks())

    def test_rotation_rename_and_copytruncate(self):
        # rename + new file; the writer finishes its last lines in the old one
        os.rename(self.a, self.a + ".1")
        append(self.a + ".1", line("203.0.113.20", "GET /.git/config"))
        time.sleep(0.3)
        append(self.a, line("203.0.113.21", "GET /.git/config"))
        self.alert_for("203.0.113.20", "weblog_scanner")
        self.alert_for("203.0.113.21", "weblog_scanner")
        self.assert_blocked("203.0.113.21", "weblog_scanner")
        # copytruncate: the file shrinks under the follower
        append(self.a, "".join(line("192.0.2.11", "GET /", status=200) for _ in range(20)))
        time.sleep(0.5)
        with open(self.a, "r+", encoding="utf-8") as f:
            f.truncate(0)
        append(self.a, line("203.0.113.30", "GET /backup.sql"))
        self.alert_for("203.0.113.30", "weblog_scanner")
        log = self.srv.stderr_text()
        self.assertIn("was rotated", log)
        self.assertIn("truncated", log)

    def test_file_missing_at_start_is_followed_when_it_appears(self):
        self.assertIn("does not exist (yet)", self.srv.stderr_text())
        os.makedirs(os.path.dirname(self.b), exist_ok=True)
        append(self.b, line("203.0.113.40", "GET /adminer.php"))
        self.alert_for("203.0.113.40", "weblog_scanner")


class WeblogFollowConfig(unittest.TestCase):
    def test_unusable_log_format_stops_serve(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init_fast(data)
            conf = harness.config_path(data)
            harness.set_config(conf, "weblog", "paths", os.path.join(tmp, "access.log"))
            harness.set_config(conf, "weblog", "log_format", "$remote_addr$status")
            p = harness.run(["serve", "--data", data, "--listen", "127.0.0.1:0"])
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("[weblog] log_format", p.stderr)


if __name__ == "__main__":
    unittest.main()
