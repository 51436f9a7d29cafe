"""Lookups through the HTTP upstream backend (the national-database gateway), against
the fake gateway of tests/fixtures/fake_upstream.py on loopback: a record is
mapped and minimised; 404 upstream is citizen_not_found; an upstream error is 502
upstream_error and a slow gateway 504 upstream_timeout, each audited, with none of
the gateway's own text in the answer. Also the lookup gates of accounts: a
password still to change, and a suspended account."""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FAKE = os.path.join(harness.SOURCE_DIR, "tests", "fixtures", "fake_upstream.py")
SECRET = "UPSTREAM-SECRET"
DOSSIER = "H15.50.05.13-261008-0975"


class Upstream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = subprocess.Popen([sys.executable, FAKE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True)
        port = int(cls.fake.stdout.readline())
        cls.tmp = harness.tempdir()
        cls.data = harness.data_dir(cls.tmp.name)
        pw = {"admin": harness.init_fast(cls.data)["one_time_password"]}
        conf = harness.config_path(cls.data)
        harness.set_config(conf, "population", "backend", "upstream")
        harness.set_config(conf, "population", "upstream_url", "http://127.0.0.1:%d/gw" % port)
        harness.set_config(conf, "population", "upstream_timeout_ms", "2000")
        for u, role in (("cb.a", "officer"), ("cb.b", "officer"), ("thanhtra", "auditor")):
            p = harness.run(["user", "add", "--data", cls.data, "--username", u, "--name", "Cán Bộ",
                             "--agency", "TTCNTT", "--role", role, "--json"])
            assert p.returncode == 0, p.stderr
            pw[u] = json.loads(p.stdout)["one_time_password"]
        cls.pw = pw
        cls.srv = harness.Server(cls.data).start()
        cls.c = harness.signed_in(cls.srv, "cb.a", pw["cb.a"])
        cls.auditor = harness.signed_in(cls.srv, "thanhtra", pw["thanhtra"])
        procs = cls.c.request("GET", "/api/v1/procedures")[2]["procedures"]
        cls.proc = max(procs, key=lambda p: len(p["fields"]))

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.fake.stdin.close()
        cls.fake.wait(5)
        cls.tmp.cleanup()
        assert code == 0

    def lookup(self, cid, c=None):
        return (c or self.c).request("POST", "/api/v1/lookups", {
            "citizen_id": cid, "dossier_code": DOSSIER, "procedure_code": self.proc["code"]})

    def test_found_is_mapped_and_minimised(self):
        st, _, body = self.lookup("075090000001")
        self.assertEqual(st, 200, body)
        self.assertEqual(body["citizen"]["full_name"], "Nguyễn Văn An")
        self.assertEqual(set(body["citizen"]), set(self.proc["fields"]))
        self.assertNotIn(SECRET, json.dumps(body, ensure_ascii=False))

    def test_errors_are_502_504_404_without_upstream_text(self):
        for cid, status, code in (("075090000500", 502, "upstream_error"),
                                  ("075090000666", 502, "upstream_error"),
                                  ("075090000777", 504, "upstream_timeout"),
                                  ("075090000404", 404, "citizen_not_found")):
            st, hdrs, body = self.lookup(cid)
            self.assertEqual((st, body["error"]), (status, code), cid)
            self.assertNotIn(SECRET, json.dumps(body) + str(hdrs))
            st, _, acc = harness.eventually(
                lambda: self.auditor.request("GET", "/api/v1/citizens/%s/accesses" % cid),
                lambda r: r[0] != 200 or r[2]["accesses"])
            self.assertEqual([a["outcome"] for a in acc["accesses"]],
                             [{"upstream_error": "upstream_error", "upstream_timeout": "upstream_timeout",
                               "citizen_not_found": "not_found"}[code]], cid)
        self.assertNotIn(SECRET, self.srv.stderr_text())

    def test_password_change_gate_and_suspension(self):
        c = harness.Client(self.srv)
        self.assertEqual(c.sign_in("cb.b", self.pw["cb.b"])[0], 200)
        st, _, body = self.lookup("075090000001", c)
        self.assertEqual((st, body["error"]), (403, "password_change_required"))
        self.assertEqual(c.change_password(self.pw["cb.b"], harness.STRONG)[0], 204)
        self.assertEqual(self.lookup("075090000001", c)[0], 200)
        # what a stolen account does: walk through near-sequential ids; the detector
        # (issue 7) suspends it, and the very next lookup is refused (the session
        # cache must not keep serving the account it resolved a moment ago)
        for i in range(10, 15):
            self.assertIn(self.lookup("0750900000%02d" % i, c)[0], (200, 404, 502))
        st, _, body = harness.eventually(lambda: c.request("GET", "/api/v1/me"), lambda r: r[0] == 403,
                                         timeout=5)
        self.assertEqual((st, body.get("error")), (403, "account_suspended"))
        st, _, body = self.lookup("075090000001", c)
        self.assertEqual((st, body["error"]), (403, "account_suspended"))
        st, _, body = c.request("GET", "/api/v1/me")
        self.assertEqual((st, body["error"]), (403, "account_suspended"))
        self.assertEqual(harness.Client(self.srv).sign_in("cb.b", harness.STRONG)[0], 401)
        self.assertEqual(self.lookup("075090000001")[0], 200)  # the others keep working


if __name__ == "__main__":
    unittest.main()
