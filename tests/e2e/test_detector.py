"""The detector against a real server: a stolen account enumerating citizen ids is
suspended within a second, alone; its next lookup answers 403 account_suspended
while other officers keep working; the alert and its incident reach GET /alerts
and /incidents for the admin; an auditor reads but cannot change; the admin
re-enables the account with a reason, which resets its password (the old one no
longer signs in, the one-time password does and must be changed); a blocked
address gets 403 ip_blocked."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DOSSIER = "H15.50.05.13-261008-0975"


class Detector(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        data = harness.data_dir(cls.tmp.name)
        pw = {"admin": harness.init_fast(data)["one_time_password"]}
        for args in (["population", "generate", "--data", data, "--count", "300", "--seed", "1"],
                     ["agency", "add", "--data", data, "--code", "SO.A", "--name", "So A"]):
            p = harness.run(args)
            assert p.returncode == 0, p.stderr
        p = harness.run(["population", "sample", "--data", data, "--count", "5"])
        assert p.returncode == 0, p.stderr
        cls.ids = p.stdout.split()
        for name, role in (("cb.thief", "officer"), ("cb.ok", "officer"), ("thanhtra", "auditor")):
            p = harness.run(["user", "add", "--data", data, "--username", name, "--name", "Can Bo " + name,
                             "--agency", "SO.A", "--role", role, "--json"])
            assert p.returncode == 0, p.stderr
            pw[name] = json.loads(p.stdout)["one_time_password"]
        cls.srv = harness.Server(data).start()
        cls.c = {u: harness.signed_in(cls.srv, u, p) for u, p in pw.items()}
        st, _, body = cls.c["cb.ok"].request("GET", "/api/v1/procedures")
        assert st == 200, body
        cls.procedure = body["procedures"][0]["code"]

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        assert code == 0

    def lookup(self, who, citizen_id):
        return self.c[who].request("POST", "/api/v1/lookups", {
            "citizen_id": citizen_id, "dossier_code": DOSSIER, "procedure_code": self.procedure})

    def test_stolen_account(self):
        base = int(self.ids[0])
        for i in range(5):  # enumeration_count = 5 near-sequential ids
            st, _, body = self.lookup("cb.thief", "%012d" % (base + i))
            self.assertIn(st, (200, 404), body)
        t0 = time.monotonic()
        while True:
            st, _, body = self.c["cb.thief"].request("GET", "/api/v1/me")
            if st == 403:
                break
            self.assertLess(time.monotonic() - t0, 1.0, "not suspended within a second")
            time.sleep(0.01)
        elapsed = time.monotonic() - t0
        self.assertEqual(body["error"], "account_suspended")
        self.assertLess(elapsed, 1.0)
        st, _, body = self.lookup("cb.thief", self.ids[1])
        self.assertEqual((st, body["error"]), (403, "account_suspended"))
        # the rest of the province keeps working
        st, _, body = self.lookup("cb.ok", self.ids[2])
        self.assertEqual(st, 200, body)

        admin, auditor = self.c["admin"], self.c["thanhtra"]
        # the worker stores the alert just after the suspension: under load the
        # client's 403 can come first
        st, _, body = harness.eventually(
            lambda: admin.request("GET", "/api/v1/alerts?status=new"),
            lambda r: any(a["rule"] == "enumeration" for a in r[2].get("alerts", [])))
        self.assertEqual(st, 200, body)
        enum = [a for a in body["alerts"] if a["rule"] == "enumeration"]
        self.assertEqual(len(enum), 1, body)
        self.assertEqual(enum[0]["actor"], "cb.thief")
        self.assertTrue(enum[0]["detail"]["suspended"])
        latency = enum[0]["detail"]["suspend_latency_ms"]
        self.assertLess(latency, 1000)
        print("suspension latency: %d ms (server), %.0f ms (client poll)" % (latency, elapsed * 1000),
              file=sys.stderr)

        st, _, body = admin.request("GET", "/api/v1/incidents")
        self.assertEqual(st, 200, body)
        inc = [i for i in body["incidents"] if i["actor"] == "cb.thief"]
        self.assertEqual(len(inc), 1, body)
        inc = inc[0]
        self.assertEqual(inc["status"], "new")
        self.assertFalse(inc["overdue"])
        self.assertTrue(inc["report_due_at"] > inc["detected_at"])

        # auditor reads, cannot change; an officer sees nothing
        self.assertEqual(auditor.request("GET", "/api/v1/incidents/%d" % inc["id"])[0], 200)
        st, _, body = auditor.request("PATCH", "/api/v1/incidents/%d" % inc["id"], {"status": "investigating"})
        self.assertEqual(st, 403, body)
        self.assertEqual(auditor.request("POST", "/api/v1/alerts/%d/ack" % enum[0]["id"])[0], 403)
        self.assertEqual(self.c["cb.ok"].request("GET", "/api/v1/alerts")[0], 403)

        # transitions
        st, _, body = admin.request("PATCH", "/api/v1/incidents/%d" % inc["id"], {"status": "reported"})
        self.assertEqual((st, body["error"]), (400, "invalid_transition"))
        st, _, body = admin.request("PATCH", "/api/v1/incidents/%d" % inc["id"],
                                    {"status": "contained", "note": "tài khoản đã bị tạm đình chỉ"})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["status"], "contained")
        self.assertEqual(len(body["notes"]), 1)
        st, hdrs, html = admin.request("GET", "/api/v1/incidents/%d/report?format=html" % inc["id"])
        self.assertEqual(st, 200)
        self.assertTrue(hdrs.get("Content-Type").startswith("text/html"))
        self.assertIn("Mẫu số 03", html)
        st, _, body = admin.request("GET", "/api/v1/incidents/%d/report?format=json" % inc["id"])
        self.assertEqual(st, 200, body)
        self.assertIn("organisation", body)
        st, _, body = admin.request("POST", "/api/v1/alerts/%d/ack" % enum[0]["id"])
        self.assertEqual((st, body["status"]), (200, "acked"))

        # the admin re-enables with a reason: the leaked password dies in the same
        # step, a one-time password is handed over, and must be changed at once
        st, _, body = admin.request("GET", "/api/v1/users?status=suspended")
        self.assertEqual(st, 200, body)
        uid = [u for u in body["users"] if u["username"] == "cb.thief"][0]["id"]
        st, _, body = admin.request("POST", "/api/v1/users/%d/enable" % uid, {"reason": "cấp lại mật khẩu"})
        self.assertEqual(st, 200, body)
        self.assertTrue(body["password_reset"])
        self.assertEqual(body["user"]["status"], "active")
        otp = body["one_time_password"]
        self.assertNotEqual(otp, harness.STRONG)
        st, _, body = harness.Client(self.srv).sign_in("cb.thief", harness.STRONG)
        self.assertEqual(st, 401, body)
        c = harness.Client(self.srv)
        st, _, body = c.sign_in("cb.thief", otp)
        self.assertEqual(st, 200, body)
        self.assertTrue(body["must_change_password"])
        # the thief's session stays dead
        st, _, body = self.c["cb.thief"].request("GET", "/api/v1/me")
        self.assertEqual(st, 401, body)

    def test_blocked_ip(self):
        admin = self.c["admin"]
        st, _, body = admin.request("POST", "/api/v1/blocks", {"ip": "127.0.0.1", "ttl_seconds": 60,
                                                               "reason": "kiểm thử"})
        self.assertEqual(st, 201, body)
        try:
            st, _, body = self.lookup("cb.ok", self.ids[3])
            self.assertEqual((st, body["error"]), (403, "ip_blocked"))
            st, _, body = harness.Client(self.srv).sign_in("cb.ok", harness.STRONG)
            self.assertEqual((st, body["error"]), (403, "ip_blocked"))
            st, _, body = self.c["thanhtra"].request("GET", "/api/v1/blocks")
            self.assertEqual(st, 200, body)
            self.assertEqual([b["ip"] for b in body["blocks"]], ["127.0.0.1"])
            self.assertEqual(self.c["thanhtra"].request("DELETE", "/api/v1/blocks/127.0.0.1")[0], 403)
        finally:
            st, _, _ = admin.request("DELETE", "/api/v1/blocks/127.0.0.1")
            self.assertEqual(st, 204)
        st, _, body = self.lookup("cb.ok", self.ids[3])
        self.assertEqual(st, 200, body)


if __name__ == "__main__":
    unittest.main()
