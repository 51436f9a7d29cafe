"""Accounts over HTTP: first sign-in and the forced change, the CSRF header, the
password policy answer, the same 401 for every failed sign-in, lockout and unlock,
the client-address throttle, the role-and-agency matrix of every account endpoint,
and a disabled user's open session refused at once."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Accounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data = harness.data_dir(cls.tmp.name)
        cls.otp = harness.init_fast(cls.data)["one_time_password"]
        harness.set_config(harness.config_path(cls.data), "lockout", "ip_max_failures", "1000")
        cls.srv = harness.Server(cls.data).start()
        cls.admin = harness.signed_in(cls.srv, "admin", cls.otp)
        for code in ("SO.A", "SO.B"):
            st, _, body = cls.admin.request("POST", "/api/v1/agencies", {"code": code, "name": "Sở " + code,
                                                                         "extra": "ignored"})
            assert st == 201 and body == {"code": code, "name": "Sở " + code, "quota_per_day": None}, body
        cls.users = {}
        cls.pw = {}
        for username, name, agency, role in (
                ("qt.a", "Lê Văn Quản", "SO.A", "agency_admin"),
                ("cb.a", "Phạm Thị Hồng", "SO.A", "officer"),
                ("cb.a2", "Võ Minh Tuấn", "SO.A", "officer"),
                ("cb.b", "Đỗ Thị Lan", "SO.B", "officer"),
                ("thanhtra", "Trần Thị Thanh", "SO.B", "auditor")):
            st, _, body = cls.admin.request("POST", "/api/v1/users", {
                "username": username, "full_name": name, "agency": agency, "role": role})
            assert st == 201, body
            cls.users[username] = body["user"]["id"]
            cls.pw[username] = body["one_time_password"]

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        assert code == 0, cls.srv.stderr_text()

    def client(self, username):
        """A signed-in client; the first time, the one-time password is changed."""
        if self.pw[username] == harness.STRONG:
            c = harness.Client(self.srv)
            st, _, body = c.sign_in(username, harness.STRONG)
            self.assertEqual(st, 200, body)
            return c
        c = harness.signed_in(self.srv, username, self.pw[username])
        self.pw[username] = harness.STRONG
        return c

    # -- first sign-in ---------------------------------------------------------

    def test_first_sign_in_forces_the_change(self):
        st, hdrs, body = self.admin.request("POST", "/api/v1/users", {
            "username": "moi", "full_name": "Nguyễn Văn Bình", "agency": "SO.A", "role": "officer"})
        self.assertEqual(st, 201, body)
        otp = body["one_time_password"]
        self.assertGreaterEqual(len(otp), 16)
        c = harness.Client(self.srv)
        st, hdrs, body = c.sign_in("moi", otp)
        self.assertEqual(st, 200, body)
        self.assertTrue(body["must_change_password"])
        self.assertRegex(body["csrf_token"], r"^[0-9a-f]{64}$")
        cookie = hdrs.get("Set-Cookie")
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        # everything but the change is refused
        st, _, body = c.request("GET", "/api/v1/agencies")
        self.assertEqual((st, body["error"]), (403, "password_change_required"))
        st, _, body = c.request("GET", "/api/v1/me")
        self.assertEqual(st, 200)
        self.assertTrue(body["must_change_password"])
        # without the CSRF header the change itself is refused
        st, _, body = c.request("POST", "/api/v1/me/password",
                                {"current_password": otp, "new_password": harness.STRONG}, csrf=False)
        self.assertEqual((st, body["error"]), (403, "csrf_required"))
        # every violation at once, with localised messages
        st, _, body = c.change_password(otp, "binh")
        self.assertEqual((st, body["error"]), (400, "password_policy"))
        for code in ("too_short", "no_uppercase", "no_digit", "no_special", "contains_username"):
            self.assertIn(code, body["violations"])
        self.assertEqual(len(body["messages"]), len(body["violations"]))
        st, _, body = c.change_password(otp, otp)
        self.assertIn("same_as_current", body["violations"])
        st, _, body = c.change_password("Wrong#Pass9x", harness.STRONG)
        self.assertEqual((st, body["error"]), (401, "invalid_credentials"))
        st, _, _ = c.change_password(otp, harness.STRONG)
        self.assertEqual(st, 204)
        st, _, body = c.request("GET", "/api/v1/me")
        self.assertFalse(body["must_change_password"])
        # the one-time password no longer works; the new one does
        self.assertEqual(harness.Client(self.srv).sign_in("moi", otp)[0], 401)
        self.assertEqual(harness.Client(self.srv).sign_in("moi", harness.STRONG)[0], 200)

    def test_history_refuses_a_recent_password(self):
        c = self.client("cb.a2")
        second = "Zx9!kPq4wLm7"
        self.assertEqual(c.change_password(harness.STRONG, second)[0], 204)
        st, _, body = c.change_password(second, harness.STRONG)
        self.assertEqual(st, 400, body)
        self.assertIn("reused", body["violations"])
        # the policy answer is in English on request
        st, _, body = c.request("POST", "/api/v1/me/password",
                                {"current_password": second, "new_password": harness.STRONG},
                                headers={"Accept-Language": "en-US,en;q=0.9"})
        self.assertTrue(any("last 5 passwords" in m for m in body["messages"]), body["messages"])

    # -- bad input ---------------------------------------------------------------

    def test_malformed_json_and_wrong_content_type(self):
        st, _, body = self.srv.request("POST", "/api/v1/session", raw='{"username": ',
                                       headers={"Content-Type": "application/json"})
        self.assertEqual((st, body["error"]), (400, "invalid_request"))
        self.assertIn("detail", body)
        st, _, body = self.srv.request("POST", "/api/v1/session", raw="username=admin",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((st, body["error"]), (415, "unsupported_media_type"))
        st, _, body = self.srv.request("POST", "/api/v1/session", body=["admin"])
        self.assertEqual((st, body["error"]), (400, "invalid_request"))
        st, _, body = self.srv.request("POST", "/api/v1/session", body={"username": "admin", "password": 5})
        self.assertEqual((st, body["error"]), (400, "invalid_request"))
        st, _, body = self.srv.request("POST", "/api/v1/session", body={"username": "admin", "password": "x" * 200})
        self.assertEqual((st, body["error"]), (400, "invalid_request"))

    def test_create_user_rejects_bad_fields(self):
        for bad, field in (({"username": "A B"}, "username"), ({"username": "ok.name", "role": "root"}, "role"),
                           ({"username": "ok.name2", "agency": "NO.SUCH"}, "agency"),
                           ({"username": "ok.name3", "full_name": ""}, "full_name")):
            body = {"username": "x", "full_name": "Tên", "agency": "SO.A", "role": "officer"}
            body.update(bad)
            st, _, ans = self.admin.request("POST", "/api/v1/users", body)
            self.assertEqual((st, ans.get("field")), (400, field), ans)
        st, _, ans = self.admin.request("POST", "/api/v1/users", {
            "username": "cb.a", "full_name": "Trùng", "agency": "SO.A", "role": "officer"})
        self.assertEqual((st, ans["error"]), (409, "conflict"))

    # -- failed sign-ins ---------------------------------------------------------

    def test_same_answer_for_every_failure(self):
        answers = []
        for user, pw in (("khong.co", "Whatever#123"), ("cb.b", "Wrong#Pass123")):
            st, _, body = harness.Client(self.srv).sign_in(user, pw)
            answers.append((st, body))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][0], 401)
        self.assertEqual(answers[0][1]["error"], "invalid_credentials")

    def test_lockout_then_unlock(self):
        self.admin.request("POST", "/api/v1/users", {
            "username": "khoa", "full_name": "Bùi Văn Khoa", "agency": "SO.B", "role": "officer"})
        st, _, body = self.admin.request("GET", "/api/v1/users?agency=SO.B")
        uid = [u["id"] for u in body["users"] if u["username"] == "khoa"][0]
        st, _, body = self.admin.request("POST", "/api/v1/users/%d/reset-password" % uid)
        otp = body["one_time_password"]
        for _ in range(5):
            self.assertEqual(harness.Client(self.srv).sign_in("khoa", "Wrong#Pass123")[0], 401)
        st, _, body = self.admin.request("GET", "/api/v1/users/%d" % uid)
        self.assertEqual(body["status"], "locked")
        self.assertIsNotNone(body["locked_until"])
        # the right password on a locked account: the same 401
        st, _, body = harness.Client(self.srv).sign_in("khoa", otp)
        self.assertEqual((st, body["error"]), (401, "invalid_credentials"))
        st, _, body = self.admin.request("POST", "/api/v1/users/%d/unlock" % uid)
        self.assertEqual((st, body["status"]), (200, "active"))
        self.assertEqual(harness.Client(self.srv).sign_in("khoa", otp)[0], 200)
        st, _, body = self.admin.request("POST", "/api/v1/users/%d/unlock" % uid)
        self.assertEqual((st, body["error"]), (409, "not_locked"))

    # -- roles and agencies ------------------------------------------------------

    def test_role_and_agency_matrix(self):
        qt, cb, tt = self.client("qt.a"), self.client("cb.a"), self.client("thanhtra")
        a_officer, b_officer, qt_id = self.users["cb.a"], self.users["cb.b"], self.users["qt.a"]
        admin_id = [u["id"] for u in self.admin.request("GET", "/api/v1/users")[2]["users"]
                    if u["username"] == "admin"][0]
        new_officer = lambda agency, role="officer", name="cb.tmp": {  # noqa: E731
            "username": name, "full_name": "Tạm", "agency": agency, "role": role}
        cases = [
            # (client, method, path, body, expected status)
            (qt, "GET", "/api/v1/users", None, 200),
            (qt, "GET", "/api/v1/users?agency=SO.B", None, 403),
            (qt, "GET", "/api/v1/users/%d" % a_officer, None, 200),
            (qt, "GET", "/api/v1/users/%d" % b_officer, None, 404),
            (qt, "POST", "/api/v1/users/%d/disable" % b_officer, {"reason": "x"}, 404),
            (qt, "POST", "/api/v1/users/%d/reset-password" % b_officer, None, 404),
            (qt, "PATCH", "/api/v1/users/%d" % b_officer, {"quota_per_day": 5}, 404),
            (qt, "POST", "/api/v1/users", new_officer("SO.B"), 403),
            (qt, "POST", "/api/v1/users", new_officer("SO.A", "agency_admin", "qt.a2"), 403),
            (qt, "POST", "/api/v1/users/%d/disable" % qt_id, {"reason": "x"}, 403),
            (qt, "PATCH", "/api/v1/users/%d" % a_officer, {"role": "auditor"}, 403),
            (qt, "PATCH", "/api/v1/users/%d" % a_officer, {"quota_per_day": 50}, 200),
            (qt, "POST", "/api/v1/agencies", {"code": "SO.C", "name": "C"}, 403),
            (qt, "GET", "/api/v1/agencies", None, 200),
            (cb, "GET", "/api/v1/users", None, 403),
            (cb, "GET", "/api/v1/users/%d" % a_officer, None, 403),
            (cb, "POST", "/api/v1/users", new_officer("SO.A"), 403),
            (cb, "GET", "/api/v1/agencies", None, 403),
            (tt, "GET", "/api/v1/users", None, 200),
            (tt, "GET", "/api/v1/users/%d" % a_officer, None, 200),
            (tt, "POST", "/api/v1/users", new_officer("SO.B"), 403),
            (tt, "POST", "/api/v1/users/%d/disable" % a_officer, {"reason": "x"}, 403),
            (tt, "PATCH", "/api/v1/users/%d" % a_officer, {"quota_per_day": 1}, 403),
            (tt, "POST", "/api/v1/agencies", {"code": "SO.D", "name": "D"}, 403),
            (self.admin, "POST", "/api/v1/users/%d/disable" % admin_id, {"reason": "x"}, 403),
            (self.admin, "GET", "/api/v1/users/999999", None, 404),
            (self.admin, "GET", "/api/v1/users/abc", None, 404),
            (self.admin, "GET", "/api/v1/users?status=bogus", None, 400),
        ]
        for c, method, path, body, want in cases:
            st, _, ans = c.request(method, path, body)
            self.assertEqual(st, want, "%s %s → %d %r" % (method, path, st, ans))
        st, _, body = qt.request("GET", "/api/v1/users")
        self.assertEqual({u["agency"] for u in body["users"]}, {"SO.A"})
        st, _, body = qt.request("GET", "/api/v1/agencies")
        self.assertEqual([a["code"] for a in body["agencies"]], ["SO.A"])
        # an agency admin creates an officer of their own agency
        st, _, body = qt.request("POST", "/api/v1/users", new_officer("SO.A", name="cb.moi"))
        self.assertEqual(st, 201, body)
        # without a session
        st, _, body = self.srv.request("GET", "/api/v1/users")
        self.assertEqual((st, body["error"]), (401, "unauthorized"))

    def test_disabled_users_open_session_is_refused(self):
        cb = self.client("cb.b")
        self.assertEqual(cb.request("GET", "/api/v1/me")[0], 200)
        uid = self.users["cb.b"]
        st, _, body = self.admin.request("POST", "/api/v1/users/%d/disable" % uid, {})
        self.assertEqual((st, body.get("field")), (400, "reason"))
        st, _, body = self.admin.request("POST", "/api/v1/users/%d/disable" % uid, {"reason": "nghỉ việc"})
        self.assertEqual((st, body["status"]), (200, "disabled"))
        st, _, body = cb.request("GET", "/api/v1/me")
        self.assertEqual((st, body["error"]), (401, "unauthorized"))
        st, _, body = harness.Client(self.srv).sign_in("cb.b", harness.STRONG)
        self.assertEqual(st, 401)
        st, _, body = self.admin.request("POST", "/api/v1/users/%d/enable" % uid, {"reason": "quay lại"})
        self.assertEqual((st, body["status"]), (200, "active"))
        self.assertEqual(harness.Client(self.srv).sign_in("cb.b", harness.STRONG)[0], 200)

    def test_sign_out_ends_the_session(self):
        c = self.client("cb.a")
        st, hdrs, _ = c.request("DELETE", "/api/v1/session")
        self.assertEqual(st, 204)
        self.assertIn("Max-Age=0", hdrs.get("Set-Cookie"))
        self.assertEqual(c.request("GET", "/api/v1/me")[0], 401)


class Throttle(unittest.TestCase):
    def test_client_address_throttle(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init_fast(data)
            harness.set_config(harness.config_path(data), "lockout", "ip_max_failures", "3")
            with harness.Server(data) as srv:
                for i in range(3):
                    st, _, _ = harness.Client(srv).sign_in("user%d" % i, "Wrong#Pass123")
                    self.assertEqual(st, 401)
                st, hdrs, body = harness.Client(srv).sign_in("admin", "Wrong#Pass123")
                self.assertEqual((st, body["error"]), (429, "too_many_requests"))
                self.assertGreater(body["retry_after"], 0)
                self.assertEqual(int(hdrs.get("Retry-After")), body["retry_after"])
            # a restart gives the address no fresh allowance: its failures are
            # restored from the audit log
            with harness.Server(data) as srv:
                st, _, body = harness.Client(srv).sign_in("admin", "Wrong#Pass123")
                self.assertEqual((st, body["error"]), (429, "too_many_requests"))
                self.assertTrue(any("sign-in throttle: 3 failures" in l for l in srv.stderr_text().splitlines()))


if __name__ == "__main__":
    unittest.main()
