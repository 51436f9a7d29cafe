"""Containment of a stolen password over HTTP (issue 17), in `[dossier]` format
mode, where lookups with well-formed codes are answered: a second session by
address (X-Forwarded-For from a trusted proxy) or by browser (User-Agent) that
looks up is suspended (concurrent_sessions), while two windows of one browser
are not; a new address looking up beyond the account's pace after the officer
signed out is suspended at the 5th lookup (new_ip_burst); the sign-in record
carries the user agent; `canhgac user enable` on a detector-suspended account
prints a one-time password and writes the handover record, the old password no
longer signs in, and a disabled account re-enabled keeps its own.

Absence of an alert is asserted only after a later alert of the same account
is listed: the detector reads records in order, so by then it has seen them."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/128.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0"
DOSSIER = "H15.50.05.13-261008-%04d"


class At(harness.Client):
    """A client at one address (through the trusted proxy) with one browser."""

    def __init__(self, srv, ip, ua=CHROME):
        super().__init__(srv)
        self.extra = {"X-Forwarded-For": ip, "User-Agent": ua}

    def sign_in(self, username, password, headers=None):
        return super().sign_in(username, password, headers=dict(self.extra, **(headers or {})))

    def request(self, method, path, body=None, csrf=True, headers=None, raw=None):
        return super().request(method, path, body, csrf, dict(self.extra, **(headers or {})), raw)


def setup_instance(tmp, users):
    data = harness.data_dir(tmp)
    pw = {"admin": harness.init_fast(data)["one_time_password"]}
    conf = harness.config_path(data)
    harness.set_config(conf, "server", "trusted_proxies", "127.0.0.1")
    with open(conf, encoding="utf-8") as f:
        if "[dossier]" in f.read():  # purpose-bound lookups: these tests invent codes
            harness.set_config(conf, "dossier", "check", "format")
    for args in (["population", "generate", "--data", data, "--count", "300", "--seed", "3"],
                 ["agency", "add", "--data", data, "--code", "SO.A", "--name", "So A"]):
        p = harness.run(args)
        assert p.returncode == 0, p.stderr
    for name in users:
        p = harness.run(["user", "add", "--data", data, "--username", name, "--name", "Can Bo " + name,
                         "--agency", "SO.A", "--role", "officer", "--json"])
        assert p.returncode == 0, p.stderr
        pw[name] = json.loads(p.stdout)["one_time_password"]
    p = harness.run(["population", "sample", "--data", data, "--count", "40"])
    assert p.returncode == 0, p.stderr
    return data, pw, p.stdout.split()


def first_sign_in(srv, username, otp, ip, ua=CHROME):
    c = At(srv, ip, ua)
    st, _, body = c.sign_in(username, otp)
    assert st == 200, body
    st, _, body = c.change_password(otp, harness.STRONG)
    assert st == 204, body
    return c


class Sessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data, cls.pw, cls.ids = setup_instance(cls.tmp.name, ("cb.victim", "cb.mover", "cb.desk"))
        cls.srv = harness.Server(cls.data).start()
        cls.admin = harness.signed_in(cls.srv, "admin", cls.pw["admin"])
        st, _, body = cls.admin.request("GET", "/api/v1/procedures")
        assert st == 200, body
        cls.procedure = body["procedures"][0]["code"]
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        assert code == 0

    def lookup(self, c):
        # far-apart ids of the generated population, each under its own dossier:
        # neither enumeration nor dossier reuse
        Sessions.n += 1
        return c.request("POST", "/api/v1/lookups", {
            "citizen_id": self.ids[Sessions.n % len(self.ids)], "dossier_code": DOSSIER % Sessions.n,
            "procedure_code": self.procedure})

    def alerts(self, actor, rule):
        st, _, body = self.admin.request("GET", "/api/v1/alerts")
        self.assertEqual(st, 200, body)
        return [a for a in body["alerts"] if a["actor"] == actor and a["rule"] == rule]

    def wait_alert(self, actor, rule):
        found = harness.eventually(lambda: self.alerts(actor, rule), lambda a: len(a) > 0, timeout=30)
        self.assertEqual(len(found), 1, "no %s alert on %s" % (rule, actor))
        return found[0]

    def harvest(self, c):
        """Looks up back to back until refused, as a script would; returns the
        records released. The suspension runs on the detector's worker, so how
        many more than the rule's count get through depends on the machine's
        load: when the per-minute quota (10) stops the script first, the
        suspension is awaited instead."""
        released = 0
        while True:
            st, _, body = self.lookup(c)
            if st == 403:
                self.assertEqual(body["error"], "account_suspended")
                return released
            if st == 429:
                self.wait_suspended(c)
                return released
            self.assertIn(st, (200, 404), body)
            released += st == 200

    def wait_suspended(self, c):
        st, _, body = harness.eventually(lambda: c.request("GET", "/api/v1/me"), lambda r: r[0] == 403,
                                         timeout=30)
        self.assertEqual((st, body.get("error")), (403, "account_suspended"))

    def test_second_address_looks_up(self):
        officer = first_sign_in(self.srv, "cb.victim", self.pw["cb.victim"], "10.20.0.17")
        self.assertEqual(self.lookup(officer)[0], 200)
        thief = At(self.srv, "203.0.113.50")
        self.assertEqual(thief.sign_in("cb.victim", harness.STRONG)[0], 200)
        alert = self.wait_alert("cb.victim", "multi_ip")
        self.assertEqual(alert["detail"]["other_ip"], "10.20.0.17")
        # lookups back to back until refused: the first fires the rule
        released = self.harvest(thief)
        print("concurrent_sessions over HTTP: %d record(s) released to the second address" % released,
              file=sys.stderr)
        self.assertGreaterEqual(released, 1)
        alert = self.wait_alert("cb.victim", "concurrent_sessions")
        self.assertTrue(alert["detail"]["suspended"])
        self.assertEqual(alert["ip"], "203.0.113.50")
        # every session of the account, the officer's too, answers 403
        st, _, body = self.lookup(officer)
        self.assertEqual((st, body["error"]), (403, "account_suspended"))

    def test_new_address_harvest(self):
        officer = first_sign_in(self.srv, "cb.mover", self.pw["cb.mover"], "10.20.0.30")
        self.assertEqual(self.lookup(officer)[0], 200)
        self.assertEqual(officer.request("DELETE", "/api/v1/session")[0], 204)
        thief = At(self.srv, "198.51.100.9", FIREFOX)
        self.assertEqual(thief.sign_in("cb.mover", harness.STRONG)[0], 200)
        released = self.harvest(thief)
        print("new_ip_burst over HTTP: %d records released before suspension" % released, file=sys.stderr)
        # the rule fires on the 5th; the suspension runs on the detector's worker,
        # so a lookup sent meanwhile may still be answered
        self.assertGreaterEqual(released, 5)
        alert = self.wait_alert("cb.mover", "new_ip_burst")
        self.assertTrue(alert["detail"]["suspended"])
        self.assertEqual(alert["detail"]["lookups_from_ip"], 5)
        self.assertEqual(alert["detail"]["threshold"], 5)
        # the officer had signed out: not two sessions at once
        self.assertEqual(self.alerts("cb.mover", "concurrent_sessions"), [])

    def test_second_browser_on_one_desk(self):
        ip = "10.20.0.40"
        officer = first_sign_in(self.srv, "cb.desk", self.pw["cb.desk"], ip, CHROME)
        # a second window of the same browser signs in again: one session as far
        # as the records tell
        window2 = At(self.srv, ip, CHROME)
        self.assertEqual(window2.sign_in("cb.desk", harness.STRONG)[0], 200)
        for c in (officer, window2, officer):
            self.assertEqual(self.lookup(c)[0], 200)
        other = At(self.srv, ip, FIREFOX)
        self.assertEqual(other.sign_in("cb.desk", harness.STRONG)[0], 200)
        alert = self.wait_alert("cb.desk", "multi_ip")
        self.assertTrue(alert["detail"]["other_browser"])
        # read after the later alert: the same browser's windows raised nothing
        self.assertEqual(self.alerts("cb.desk", "concurrent_sessions"), [])
        self.assertEqual(officer.request("GET", "/api/v1/me")[0], 200)
        # the sign-in record carries the browser
        st, _, body = harness.eventually(
            lambda: self.admin.request("GET", "/api/v1/audit?type=signin_ok&actor=cb.desk"),
            lambda r: r[0] == 200 and len(r[2]["records"]) == 3)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["records"][0]["payload"]["user_agent"], FIREFOX)
        self.assertEqual(body["records"][0]["ip"], ip)
        st, _, body = self.lookup(other)
        self.assertEqual(st, 200, body)
        self.wait_suspended(officer)
        alert = self.wait_alert("cb.desk", "concurrent_sessions")
        self.assertTrue(alert["detail"]["other_browser"])


class EnableFromCli(unittest.TestCase):
    """`canhgac user enable` after a detector suspension, with the server stopped
    (the CLI writes the audit log itself)."""

    def test_enable_resets_a_detector_suspension(self):
        with harness.tempdir() as tmp:
            data, pw, ids = setup_instance(tmp, ("cb.leak", "cb.gone"))
            with harness.Server(data) as srv:
                admin = harness.signed_in(srv, "admin", pw["admin"])
                st, _, body = admin.request("GET", "/api/v1/procedures")
                procedure = body["procedures"][0]["code"]
                thief = first_sign_in(srv, "cb.leak", pw["cb.leak"], "10.20.0.50")
                first_sign_in(srv, "cb.gone", pw["cb.gone"], "10.20.0.51")
                st, _, body = admin.request("GET", "/api/v1/users")
                gone = [u for u in body["users"] if u["username"] == "cb.gone"][0]["id"]
                st, _, body = admin.request("POST", "/api/v1/users/%d/disable" % gone, {"reason": "nghỉ phép"})
                self.assertEqual(st, 200, body)
                base = int(ids[0])
                for i in range(5):  # near-sequential ids: enumeration suspends
                    st, _, body = thief.request("POST", "/api/v1/lookups", {
                        "citizen_id": "%012d" % (base + i), "dossier_code": DOSSIER % i,
                        "procedure_code": procedure})
                    if st == 403:
                        break
                st, _, body = harness.eventually(lambda: thief.request("GET", "/api/v1/me"),
                                                 lambda r: r[0] == 403)
                self.assertEqual((st, body.get("error")), (403, "account_suspended"))
            handover = os.path.join(tmp, "bien-ban.html")
            p = harness.run(["user", "enable", "--data", data, "--username", "cb.leak", "--reason",
                             "cấp lại mật khẩu", "--handover", handover, "--json"])
            self.assertEqual(p.returncode, 0, p.stderr)
            out = json.loads(p.stdout.strip().splitlines()[-1])
            self.assertEqual(out["username"], "cb.leak")
            otp = out["one_time_password"]
            self.assertIn("password is reset", p.stderr)
            with open(handover, encoding="utf-8") as f:
                self.assertIn("cb.leak", f.read())
            # a disabled account re-enabled keeps its password: no one-time password
            p = harness.run(["user", "enable", "--data", data, "--username", "cb.gone", "--reason", "trở lại"])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.strip(), "cb.gone: active")
            with harness.Server(data) as srv:
                c = At(srv, "10.20.0.50")
                self.assertEqual(c.sign_in("cb.leak", harness.STRONG)[0], 401)
                st, _, body = c.sign_in("cb.leak", otp)
                self.assertEqual(st, 200, body)
                self.assertTrue(body["must_change_password"])
                self.assertEqual(At(srv, "10.20.0.51").sign_in("cb.gone", harness.STRONG)[0], 200)


if __name__ == "__main__":
    unittest.main()
