"""Cross-site requests (issue 18): a state-changing request carried by the
session cookie is refused (403 origin_refused) when the browser says it comes
from another site (Sec-Fetch-Site) or names another Origin, even with a valid CSRF
token; the server's own origin, an origin of [server] allowed_origins and API
clients that send neither pass. HEAD /api/v1/session answers without rotating
the CSRF token (GET rotates it)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Origin(unittest.TestCase):
    def test_origin_and_head(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            otp = harness.init_fast(data)["one_time_password"]
            harness.set_config(harness.config_path(data), "server", "allowed_origins",
                               "https://motcua.dongnai.gov.vn")
            with harness.Server(data) as srv:
                admin = harness.signed_in(srv, "admin", otp)
                own = "http://%s:%d" % (srv.host, srv.port)
                body = {"code": "SO.X", "name": "Sở X"}

                def create(code, headers):
                    return admin.request("POST", "/api/v1/agencies", dict(body, code=code), headers=headers)[:3:2]

                self.assertEqual(create("SO.X1", {"Origin": "https://evil.example"})[0], 403)
                st, ans = create("SO.X2", {"Origin": "https://evil.example"})
                self.assertEqual((st, ans["error"]), (403, "origin_refused"))
                st, ans = create("SO.X3", {"Sec-Fetch-Site": "cross-site"})
                self.assertEqual((st, ans["error"]), (403, "origin_refused"))
                st, ans = create("SO.X4", {"Sec-Fetch-Site": "same-site"})
                self.assertEqual((st, ans["error"]), (403, "origin_refused"))
                self.assertEqual(create("SO.A1", {"Origin": own, "Sec-Fetch-Site": "same-origin"})[0], 201)
                self.assertEqual(create("SO.A2", {"Origin": "https://motcua.dongnai.gov.vn"})[0], 201)
                self.assertEqual(create("SO.A3", {})[0], 201)  # an API client sends neither
                # reads are not state changes: a cross-site GET is answered (and unreadable to that site)
                st, _, _ = admin.request("GET", "/api/v1/agencies", headers={"Origin": "https://evil.example"})
                self.assertEqual(st, 200)
                st, _, ans = admin.request("GET", "/api/v1/agencies")
                self.assertEqual(sorted(a["code"] for a in ans["agencies"] if a["code"].startswith("SO.")),
                                 ["SO.A1", "SO.A2", "SO.A3"])

                # HEAD does not rotate the CSRF token; GET does
                before = admin.csrf
                st, _, _ = admin.request("HEAD", "/api/v1/session")
                self.assertEqual(st, 200)
                self.assertEqual(create("SO.A4", {})[0], 201)  # the token still works
                st, _, ans = admin.request("GET", "/api/v1/session")
                self.assertEqual(st, 200)
                self.assertNotEqual(ans["csrf_token"], before)
                st, _, ans = admin.request("POST", "/api/v1/agencies", dict(body, code="SO.A5"))
                self.assertEqual((st, ans["error"]), (403, "csrf_required"))  # the old one is gone


if __name__ == "__main__":
    unittest.main()
