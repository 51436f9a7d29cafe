"""Issue 9 over HTTP: the access review of an agency (JSON, CSV with BOM and
formula-safe cells, printable HTML; who may read which agency; audited), the
reminder fields of the account list (?attention=1), the audit search (roles,
agency isolation, filters, paging, bad values), and a second enrolment that
replaces the secret being confirmed."""

import csv
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_lookups import lookup, setup_instance  # noqa: E402
from test_totp_staff import totp  # noqa: E402

FORMULA_NAME = '=HYPERLINK("http://x","a,b")'


class ReviewAudit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data, pw, cls.ids = setup_instance(cls.tmp.name)
        p = harness.run(["user", "add", "--data", cls.data, "--username", "cb.formula", "--name", FORMULA_NAME,
                         "--agency", "SO.A", "--role", "officer", "--json"])
        assert p.returncode == 0, p.stderr
        p = harness.run(["user", "add", "--data", cls.data, "--username", "cb.left", "--name", "Lê <Văn> Đi",
                         "--agency", "SO.A", "--role", "officer"])
        assert p.returncode == 0, p.stderr
        p = harness.run(["staff-change", "--data", cls.data, "--username", "cb.left", "--kind", "leave",
                         "--reference", "QĐ 15/QĐ-SOA"])
        assert p.returncode == 0, p.stderr
        cls.srv = harness.Server(cls.data).start()
        cls.c = {u: harness.signed_in(cls.srv, u, p) for u, p in pw.items()}
        st, _, body = cls.c["cb.a"].request("GET", "/api/v1/procedures")
        assert st == 200, body
        st, _, body = lookup(cls.c["cb.a"], cls.ids[0], body["procedures"][0]["code"])
        assert st == 200, body

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        assert code == 0

    def review(self, who, agency="SO.A", fmt=None):
        q = "?format=" + fmt if fmt else ""
        return self.c[who].request("GET", "/api/v1/agencies/%s/review%s" % (agency, q))

    def account(self, body, username):
        return next(a for a in body["accounts"] if a["username"] == username)

    # -- the review ---------------------------------------------------------

    def test_review_json(self):
        st, _, body = harness.eventually(lambda: self.review("admin"),
                                         lambda r: r[0] == 200 and self.account(r[2], "cb.a")["quota"]["used_today"] == 1)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["agency"]["code"], "SO.A")
        self.assertEqual(body["agency"]["lookups_today"], 1)
        self.assertEqual(body["generated_by"], "admin")
        names = [a["username"] for a in body["accounts"]]
        self.assertEqual(names, sorted(["cb.a", "cb.a2", "qt.a", "cb.formula", "cb.left"]))
        a = self.account(body, "cb.a")
        self.assertEqual((a["role"], a["status"], a["second_factor"]), ("officer", "active", "none"))
        self.assertIsNotNone(a["last_sign_in_at"])
        self.assertIsNotNone(a["last_lookup_at"])
        self.assertEqual(a["quota"], {"per_minute": 10, "per_day": 200, "used_today": 1, "used_month": 1})
        self.assertEqual(a["password_expires_in_days"], 90)
        self.assertEqual(a["password_age_days"], 0)
        self.assertEqual(a["dormant_in_days"], 45)
        self.assertEqual(a["attention"], [])
        self.assertFalse(a["must_change_password"])
        left = self.account(body, "cb.left")
        self.assertEqual(left["status"], "disabled")
        self.assertEqual(left["status_reason"], "leave (QĐ 15/QĐ-SOA)")
        self.assertIsNone(left["dormant_in_days"])
        f = self.account(body, "cb.formula")
        self.assertEqual(f["attention"], ["must_change_password"])
        self.assertIsNone(f["last_sign_in_at"])
        s = body["summary"]
        self.assertEqual((s["accounts"], s["active"], s["disabled"]), (5, 4, 1))
        self.assertEqual(s["attention"], 1)  # cb.formula; a disabled account needs no reminder
        # the harness turns [totp] required_roles off
        self.assertEqual(body["policy"]["totp_required_roles"], [])
        self.assertFalse(self.account(body, "qt.a")["second_factor_required"])

    def test_review_csv(self):
        st, hdrs, text = self.review("qt.a", fmt="csv")
        self.assertEqual(st, 200, text)
        self.assertTrue(hdrs.get("Content-Type").startswith("text/csv"))
        self.assertRegex(hdrs.get("Content-Disposition"), r'^attachment; filename="review-SO\.A-\d{4}-\d\d-\d\d\.csv"$')
        self.assertTrue(text.startswith("\ufeffusername,full_name,role,status"), text[:80])
        self.assertIn("\r\n", text)
        rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
        self.assertEqual(len(rows), 5)
        by = {r["username"]: r for r in rows}
        # the formula is quoted as text, the comma and quotes survive
        self.assertEqual(by["cb.formula"]["full_name"], "'" + FORMULA_NAME)
        self.assertEqual(by["cb.left"]["status_reason"], "leave (QĐ 15/QĐ-SOA)")
        self.assertEqual(by["cb.a"]["used_today"], "1")
        self.assertEqual(by["cb.a"]["second_factor"], "none")
        self.assertRegex(by["cb.a"]["last_sign_in_at"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertEqual(by["cb.formula"]["last_sign_in_at"], "")
        self.assertEqual(by["cb.formula"]["attention"], "must_change_password")
        for r in rows:  # no cell a spreadsheet would run
            for v in r.values():
                self.assertFalse(v[:1] in ("=", "+", "@"), (r["username"], v))

    def test_review_html(self):
        st, hdrs, text = self.review("thanhtra", fmt="html")
        self.assertEqual(st, 200, text)
        self.assertTrue(hdrs.get("Content-Type").startswith("text/html"))
        self.assertIn("Biên bản rà soát quyền truy cập", text)
        self.assertIn("Lê &lt;Văn&gt; Đi", text)
        self.assertNotIn("<Văn>", text)
        self.assertIn("=HYPERLINK(&quot;http://x&quot;,&quot;a,b&quot;)", text)
        self.assertIn("Đã vô hiệu hóa", text)
        self.assertIn("Thủ trưởng đơn vị", text)

    def test_review_roles_and_isolation(self):
        self.assertEqual(self.review("admin", "SO.B")[0], 200)
        self.assertEqual(self.review("thanhtra", "SO.A")[0], 200)  # an auditor reads any agency
        st, _, body = self.review("qt.a", "SO.B")
        self.assertEqual((st, body["error"]), (403, "forbidden"))
        st, _, body = self.review("qt.a", "NO.SUCH")
        self.assertEqual((st, body["error"]), (403, "forbidden"))  # no probing of agency codes
        st, _, body = self.review("cb.a", "SO.A")
        self.assertEqual((st, body["error"]), (403, "forbidden"))
        st, _, body = self.review("admin", "NO.SUCH")
        self.assertEqual((st, body["error"]), (404, "not_found"))
        st, _, body = self.review("admin", "SO.A", "xlsx")
        self.assertEqual((st, body["error"], body["field"]), (400, "invalid_request", "format"))
        st, _, _ = self.srv.request("GET", "/api/v1/agencies/SO.A/review")
        self.assertEqual(st, 401)
        # every review read is audited, and searchable
        self.assertEqual(self.review("qt.a", fmt="csv")[0], 200)
        st, _, body = harness.eventually(
            lambda: self.c["admin"].request("GET", "/api/v1/audit?type=access_review&actor=qt.a"),
            lambda r: r[0] == 200 and r[2]["records"])
        self.assertEqual(st, 200, body)
        self.assertEqual(body["records"][0]["payload"]["agency"], "SO.A")

    # -- reminders ----------------------------------------------------------

    def test_reminders_in_the_account_list(self):
        st, _, body = self.c["qt.a"].request("GET", "/api/v1/users")
        self.assertEqual(st, 200, body)
        users = {u["username"]: u for u in body["users"]}
        a = users["cb.a"]
        for key in ("password_expires_at", "password_expires_in_days", "last_sign_in_at", "dormant_at",
                    "dormant_in_days", "attention"):
            self.assertIn(key, a)
        self.assertEqual(a["password_expires_in_days"], 90)
        self.assertEqual(a["dormant_in_days"], 45)
        self.assertEqual(a["last_sign_in_at"], a["last_login_at"])
        self.assertEqual(users["cb.formula"]["attention"], ["must_change_password"])
        self.assertIsNone(users["cb.left"]["dormant_in_days"])
        st, _, body = self.c["qt.a"].request("GET", "/api/v1/users?attention=1")
        self.assertEqual(st, 200, body)
        self.assertEqual([u["username"] for u in body["users"]], ["cb.formula"])
        st, _, body = self.c["qt.a"].request("GET", "/api/v1/users?attention=maybe")
        self.assertEqual((st, body["field"]), (400, "attention"))

    # -- the audit search ---------------------------------------------------

    def search(self, who, query=""):
        return self.c[who].request("GET", "/api/v1/audit" + query)

    def test_audit_search_roles_and_filters(self):
        st, _, body = harness.eventually(lambda: self.search("admin", "?type=lookup"),
                                         lambda r: r[0] == 200 and r[2]["records"])
        self.assertEqual(st, 200, body)
        rec = body["records"][0]
        self.assertEqual((rec["type"], rec["actor"], rec["agency"]), ("lookup", "cb.a", "SO.A"))
        self.assertEqual(rec["payload"]["citizen_id"], self.ids[0])
        st, _, body = self.search("admin", "?limit=1000")
        seqs = [r["seq"] for r in body["records"]]
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        types = {r["type"] for r in body["records"]}
        self.assertTrue({"lookup", "user_create", "staff_change_applied"} <= types, types)
        # records written before the server started (CLI) are projected too
        st, _, body = self.search("thanhtra", "?type=staff_change_requested")
        self.assertEqual(st, 200, body)
        self.assertEqual(body["records"][0]["actor"], "cli")
        self.assertEqual(body["records"][0]["payload"]["reference"], "QĐ 15/QĐ-SOA")
        # paging
        st, _, p1 = self.search("admin", "?limit=2")
        self.assertEqual(len(p1["records"]), 2)
        self.assertEqual(p1["next_before"], p1["records"][1]["seq"])
        st, _, p2 = self.search("admin", "?limit=2&before=%d" % p1["next_before"])
        self.assertLess(p2["records"][0]["seq"], p1["records"][1]["seq"])
        # actor and time filters
        st, _, body = self.search("admin", "?actor=cb.a")
        self.assertTrue(body["records"])
        self.assertTrue(all(r["actor"] == "cb.a" for r in body["records"]))
        st, _, body = self.search("admin", "?from=2000-01-01&to=2000-01-02")
        self.assertEqual((st, body["records"], body["next_before"]), (200, [], None))
        # an agency admin sees their agency only
        st, _, body = self.search("qt.a", "?limit=1000")
        self.assertEqual(st, 200, body)
        self.assertTrue(body["records"])
        self.assertTrue(all(r["agency"] == "SO.A" for r in body["records"]))
        st, _, body = self.search("qt.a", "?agency=SO.B")
        self.assertEqual((st, body["error"]), (403, "forbidden"))
        st, _, body = self.search("cb.a")
        self.assertEqual((st, body["error"]), (403, "forbidden"))
        for q, field in (("?limit=0", "limit"), ("?limit=1001", "limit"), ("?from=yesterday", "from"),
                         ("?to=2026-13-01", "to"), ("?type=Bad%20Type", "type"), ("?before=-3", "before")):
            st, _, body = self.search("admin", q)
            self.assertEqual((st, body.get("field")), (400, field), q)

    # -- TOTP: a second enrolment while the first is being confirmed ----------

    def test_second_enrolment_replaces_the_pending_secret(self):
        c = self.c["cb.a2"]
        st, _, first = c.request("POST", "/api/v1/me/totp")
        self.assertEqual(st, 200, first)
        st, _, second = c.request("POST", "/api/v1/me/totp")
        self.assertEqual(st, 200, second)
        self.assertNotEqual(first["secret"], second["secret"])
        # the first secret's code no longer confirms anything
        st, _, body = c.request("POST", "/api/v1/me/totp/confirm", {"code": totp(first["secret"])})
        if totp(first["secret"]) != totp(second["secret"]):
            self.assertEqual((st, body["error"]), (400, "invalid_otp"))
        st, _, body = c.request("POST", "/api/v1/me/totp/confirm", {"code": totp(second["secret"])})
        self.assertEqual(st, 200, body)
        st, _, body = self.review("admin")
        self.assertEqual(self.account(body, "cb.a2")["second_factor"], "enabled")
        self.assertEqual(self.account(body, "cb.a2")["recovery_codes_left"], 10)


if __name__ == "__main__":
    unittest.main()
