"""GET /api/v1/session: a reloaded console picks its session up again. With a
valid cookie it answers what POST /session answers (user, password state, the
session's limits) and a new CSRF token; the old token stops working and the new
one works. Without a cookie, with a made-up one or after sign-out:
401 unauthorized. It is let through while the password must change
(the console must be able to resume the forced change) and needs no CSRF header
(a GET changes nothing the caller could not get by signing in)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class SessionResume(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data = harness.data_dir(cls.tmp.name)
        cls.otp = harness.init_fast(cls.data)["one_time_password"]
        p = harness.run(["user", "add", "--data", cls.data, "--username", "second", "--name", "Second Admin",
                         "--agency", "TTCNTT", "--role", "admin", "--json"])
        assert p.returncode == 0, p.stderr
        cls.otp2 = json.loads(p.stdout)["one_time_password"]
        conf = harness.config_path(cls.data)
        harness.set_config(conf, "session", "idle_seconds", "120")
        harness.set_config(conf, "session", "absolute_seconds", "3600")
        cls.srv = harness.Server(cls.data).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.tmp.cleanup()

    def test_resume_during_forced_change_and_after(self):
        c = harness.Client(self.srv)
        st, _, signin = c.sign_in("admin", self.otp)
        self.assertEqual(st, 200, signin)
        self.assertTrue(signin["must_change_password"])
        self.assertEqual(signin["session"]["idle_seconds"], 120)
        self.assertEqual(signin["session"]["absolute_seconds"], 3600)
        self.assertRegex(signin["session"]["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        # during the forced change: the same body and a new token
        old = c.csrf
        st, _, body = c.request("GET", "/api/v1/session", csrf=False)
        self.assertEqual(st, 200, body)
        for k in ("user", "must_change_password", "password_expires_at", "csrf_token", "session",
                  "totp_enrolment_required"):
            self.assertIn(k, body)
        self.assertEqual(body["user"]["username"], "admin")
        self.assertTrue(body["must_change_password"])
        self.assertEqual(body["session"]["expires_at"], signin["session"]["expires_at"])
        self.assertRegex(body["csrf_token"], r"^[0-9a-f]{64}$")
        self.assertNotEqual(body["csrf_token"], old)

        # the old token is refused, the new one works
        st, _, err = c.change_password(self.otp, harness.STRONG)
        self.assertEqual((st, err["error"]), (403, "csrf_required"))
        c.csrf = body["csrf_token"]
        st, _, err = c.change_password(self.otp, harness.STRONG)
        self.assertEqual(st, 204, err)

        st, _, body = c.request("GET", "/api/v1/session")
        self.assertEqual(st, 200, body)
        self.assertFalse(body["must_change_password"])
        c.csrf = body["csrf_token"]
        st, _, body = c.request("GET", "/api/v1/users")
        self.assertEqual(st, 200, body)

        # GET /me carries the limits too
        st, _, me = c.request("GET", "/api/v1/me")
        self.assertEqual(me["session"]["idle_seconds"], 120)
        self.assertNotIn("csrf_token", me)

    def test_no_or_bad_cookie_and_after_signout(self):
        st, _, body = self.srv.request("GET", "/api/v1/session")
        self.assertEqual((st, body["error"]), (401, "unauthorized"))
        for cookie in ("canhgac_session=" + "0" * 64, "canhgac_session=xyz", "canhgac_session="):
            st, _, body = self.srv.request("GET", "/api/v1/session", headers={"Cookie": cookie})
            self.assertEqual((st, body["error"]), (401, "unauthorized"), cookie)

        c = harness.signed_in(self.srv, "second", self.otp2)
        st, _, body = c.request("GET", "/api/v1/session")
        self.assertEqual(st, 200, body)
        c.csrf = body["csrf_token"]
        st, _, _ = c.request("DELETE", "/api/v1/session")
        self.assertEqual(st, 204)
        st, _, body = c.request("GET", "/api/v1/session")
        self.assertEqual((st, body["error"]), (401, "unauthorized"))

    def test_other_methods(self):
        st, hdrs, body = self.srv.request("PUT", "/api/v1/session", {})
        self.assertEqual(st, 405)
        self.assertIn("GET", hdrs.get("Allow", ""))


if __name__ == "__main__":
    unittest.main()
