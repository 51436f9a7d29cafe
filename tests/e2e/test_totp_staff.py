"""The second factor and staff changes over HTTP: a required role kept to
enrolment until it has a second factor; enrolment and confirmation; sign-in then
needs a code (missing or wrong: the same 401 as a wrong password); a code once
used is refused; a recovery code works once; an admin's reset; a staff change at
once (leave: the open session and the next sign-in refused) and its listing."""

import base64
import hashlib
import hmac
import os
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def totp(secret_b32, t=None, offset=0):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    step = int((time.time() if t is None else t) // 30) + offset
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


class TotpStaff(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data = harness.data_dir(cls.tmp.name)
        cls.otp = harness.init_fast(cls.data)["one_time_password"]
        conf = harness.config_path(cls.data)
        harness.set_config(conf, "totp", "required_roles", "admin,agency_admin")
        harness.set_config(conf, "lockout", "ip_max_failures", "1000")
        cls.srv = harness.Server(cls.data).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.tmp.cleanup()

    def enrol(self, client):
        st, _, body = client.request("POST", "/api/v1/me/totp")
        self.assertEqual(st, 200, body)
        self.assertTrue(body["otpauth_uri"].startswith("otpauth://totp/canhgac:"))
        self.assertIn("<svg", body["qr_svg"])
        secret = body["secret"]
        st, _, body = client.request("POST", "/api/v1/me/totp/confirm", {"code": "abc"})
        self.assertEqual(st, 400, body)
        st, _, body = client.request("POST", "/api/v1/me/totp/confirm", {"code": totp(secret)})
        self.assertEqual(st, 200, body)
        self.assertEqual(len(body["recovery_codes"]), 10)
        return secret, body["recovery_codes"]

    def sign_in(self, username, password, otp=None):
        c = harness.Client(self.srv)
        body = {"username": username, "password": password}
        if otp is not None:
            body["otp"] = otp
        st, hdrs, resp = self.srv.request("POST", "/api/v1/session", body)
        if st == 200:
            c.cookie = hdrs.get("Set-Cookie", "").split(";", 1)[0]
            c.csrf = resp["csrf_token"]
        return st, resp, c

    def test_totp_and_staff_changes(self):
        admin = harness.signed_in(self.srv, "admin", self.otp)  # the password change is let through
        st, _, body = admin.request("GET", "/api/v1/users")
        self.assertEqual((st, body["error"]), (403, "totp_enrolment_required"))
        st, _, body = admin.request("GET", "/api/v1/me")
        self.assertEqual(st, 200)
        self.assertTrue(body["totp_enrolment_required"])
        secret, codes = self.enrol(admin)
        st, _, body = admin.request("GET", "/api/v1/users")
        self.assertEqual(st, 200, body)
        st, _, body = admin.request("POST", "/api/v1/me/totp")
        self.assertEqual((st, body["error"]), (409, "totp_already_enrolled"))

        # sign-in needs the second factor; missing or wrong is a plain 401
        st, body, _ = self.sign_in("admin", harness.STRONG)
        self.assertEqual((st, body["error"]), (401, "invalid_credentials"))
        st, body, _ = self.sign_in("admin", harness.STRONG, "000000" if totp(secret) != "000000" else "111111")
        self.assertEqual((st, body["error"]), (401, "invalid_credentials"))
        self.assertNotIn("otp_required", body)
        code = totp(secret, offset=1)  # the confirmation used this step; the next one is fresh
        st, body, admin = self.sign_in("admin", harness.STRONG, code)
        self.assertEqual(st, 200, body)
        st, body, _ = self.sign_in("admin", harness.STRONG, code)
        self.assertEqual((st, body["error"]), (401, "invalid_credentials"))  # replay
        st, body, _ = self.sign_in("admin", harness.STRONG, codes[0])
        self.assertEqual(st, 200, body)
        st, body, _ = self.sign_in("admin", harness.STRONG, codes[0])
        self.assertEqual((st, body["error"]), (401, "invalid_credentials"))

        # an agency admin enrols; the admin resets it
        st, _, body = admin.request("POST", "/api/v1/agencies", {"code": "SO.A", "name": "Sở A"})
        self.assertEqual(st, 201, body)
        st, _, body = admin.request("POST", "/api/v1/agencies", {"code": "SO.B", "name": "Sở B"})
        self.assertEqual(st, 201, body)
        ids, pw = {}, {}
        for username, role in (("qt.a", "agency_admin"), ("cb.a", "officer"), ("cb.a2", "officer")):
            st, _, body = admin.request("POST", "/api/v1/users", {
                "username": username, "full_name": "Lê Văn " + username, "agency": "SO.A", "role": role})
            self.assertEqual(st, 201, body)
            ids[username], pw[username] = body["user"]["id"], body["one_time_password"]
        qt = harness.signed_in(self.srv, "qt.a", pw["qt.a"])
        st, _, body = qt.request("GET", "/api/v1/users")
        self.assertEqual((st, body["error"]), (403, "totp_enrolment_required"))
        self.enrol(qt)
        st, body, _ = self.sign_in("qt.a", harness.STRONG)
        self.assertEqual(st, 401)
        st, _, body = qt.request("POST", "/api/v1/users/%d/reset-totp" % ids["cb.a"])
        self.assertEqual(st, 204, body)  # an officer of their own agency, with nothing to reset
        st, _, body = admin.request("POST", "/api/v1/users/%d/reset-totp" % ids["qt.a"])
        self.assertEqual(st, 204, body)
        st, body, qt = self.sign_in("qt.a", harness.STRONG)
        self.assertEqual(st, 200, body)
        st, _, body = qt.request("GET", "/api/v1/users")
        self.assertEqual((st, body["error"]), (403, "totp_enrolment_required"))

        # a staff change at once: leave cuts the open session and the next sign-in
        officer = harness.signed_in(self.srv, "cb.a", pw["cb.a"])
        st, _, body = admin.request("POST", "/api/v1/staff-changes", {"username": "cb.a", "kind": "leave"})
        self.assertEqual((st, body.get("field")), (400, "reference"))
        st, _, body = admin.request("POST", "/api/v1/staff-changes",
                                    {"username": "cb.a", "kind": "leave", "effective": "2001-01-01",
                                     "reference": "12/SNV"})
        self.assertEqual((st, body.get("field")), (400, "effective"))
        st, _, body = admin.request("POST", "/api/v1/staff-changes",
                                    {"username": "cb.a", "kind": "leave", "reference": "12/SNV"})
        self.assertEqual(st, 201, body)
        self.assertEqual(body["staff_change"]["status"], "applied")
        st, _, body = officer.request("GET", "/api/v1/me")
        self.assertEqual(st, 401)
        st, body, _ = self.sign_in("cb.a", harness.STRONG)
        self.assertEqual(st, 401)
        st, _, body = admin.request("POST", "/api/v1/staff-changes",
                                    {"username": "cb.a2", "kind": "transfer", "to_agency": "SO.B",
                                     "effective": "2099-12-31", "reference": "13/SNV"})
        self.assertEqual(st, 201, body)
        self.assertEqual(body["staff_change"]["status"], "pending")
        st, _, body = admin.request("GET", "/api/v1/staff-changes")
        self.assertEqual(st, 200, body)
        self.assertEqual([c["status"] for c in body["staff_changes"]], ["pending", "applied"])


if __name__ == "__main__":
    unittest.main()
