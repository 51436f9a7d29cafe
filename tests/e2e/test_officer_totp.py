"""A new instance requires a second factor of officers (issue 17): `canhgac init`
writes `[totp] required_roles = admin,agency_admin,officer`, and an officer who
has not enrolled cannot list dossiers or look anyone up (403
totp_enrolment_required), even inside a real dossier; after enrolment the same
lookup answers and the next sign-in needs the code."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_totp_staff import totp  # noqa: E402


class OfficerSecondFactor(unittest.TestCase):
    def test_officer_must_enrol_before_a_lookup(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init(data)
            conf = harness.config_path(data)
            with open(conf, encoding="utf-8") as f:
                self.assertIn("\nrequired_roles = admin,agency_admin,officer\n", f.read())
            for section, key, value in harness.FAST_HASH[:2]:  # the hashing cost only
                harness.set_config(conf, section, key, value)
            self.assertEqual(harness.run(["agency", "add", "--data", data, "--code", "SO.A",
                                          "--name", "A"]).returncode, 0)
            p = harness.run(["user", "add", "--data", data, "--username", "cb.a", "--name", "Cán Bộ A",
                             "--agency", "SO.A", "--role", "officer", "--json"])
            self.assertEqual(p.returncode, 0, p.stderr)
            otp = json.loads(p.stdout)["one_time_password"]
            self.assertEqual(harness.run(["population", "generate", "--data", data, "--count", "200",
                                          "--dossiers", "0"]).returncode, 0)
            dossiers = harness.generate_dossiers(data, "SO.A", 3)
            d = dossiers[0]
            body = {"citizen_id": d["persons"][0]["citizen_id"], "dossier_code": d["code"],
                    "procedure_code": d["procedure_code"]}
            with harness.Server(data) as srv:
                c = harness.signed_in(srv, "cb.a", otp)  # the password change is let through
                st, _, ans = c.request("POST", "/api/v1/lookups", body)
                self.assertEqual((st, ans["error"]), (403, "totp_enrolment_required"), ans)
                self.assertNotIn("citizen", ans)
                st, _, ans = c.request("GET", "/api/v1/dossiers")
                self.assertEqual((st, ans["error"]), (403, "totp_enrolment_required"), ans)
                st, _, ans = c.request("GET", "/api/v1/me")
                self.assertTrue(ans["totp_enrolment_required"])
                st, _, ans = c.request("POST", "/api/v1/me/totp")
                self.assertEqual(st, 200, ans)
                self.assertIn("<svg", ans["qr_svg"])
                secret = ans["secret"]
                st, _, ans = c.request("POST", "/api/v1/me/totp/confirm", {"code": totp(secret)})
                self.assertEqual(st, 200, ans)
                st, _, ans = c.request("POST", "/api/v1/lookups", body)
                self.assertEqual(st, 200, ans)
                self.assertTrue(ans["citizen"])
                fresh = harness.Client(srv)
                st, _, ans = fresh.sign_in("cb.a", harness.STRONG)
                self.assertEqual((st, ans["error"]), (401, "invalid_credentials"))


if __name__ == "__main__":
    unittest.main()
