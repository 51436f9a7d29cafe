"""Service credentials (issue 17) on the command line and over HTTP: `canhgac
service add|rotate|list|disable` with their errors and exit codes, the token
printed once and never listed; a token that works on GET /api/v1/service/whoami,
is refused on every people's route (403 forbidden, including /me, the lookups
and the sign-in), a rotated or disabled token refused with the same 401 as a
wrong one, a cookie with a token refused with 400, and one service_call audit
record per use. The 503 audit_unavailable of a use the audit log cannot take is
tested in-process (tests/unit/test_service_credential.c), where the audit
writer's fault seam reaches."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TOKEN_RE = re.compile(r"^cgs_[A-Za-z0-9_-]{43}$")


def bearer(token):
    return {"Authorization": "Bearer " + token}


class ServiceCli(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()
        self.data = harness.data_dir(self.tmp.name)
        self.admin_otp = harness.init_fast(self.data)["one_time_password"]
        p = harness.run(["agency", "add", "--data", self.data, "--code", "SO.TP", "--name", "Sở Tư pháp"])
        self.assertEqual(p.returncode, 0, p.stderr)

    def tearDown(self):
        self.tmp.cleanup()

    def run_ok(self, *args):
        p = harness.run(list(args))
        self.assertEqual(p.returncode, 0, "%s\n%s" % (args, p.stderr))
        return p

    def add(self, name, scopes, agency=None):
        args = ["service", "add", "--data", self.data, "--name", name, "--scopes", scopes, "--json"]
        if agency:
            args += ["--agency", agency]
        out = json.loads(self.run_ok(*args).stdout)
        self.assertEqual(out["name"], name)
        self.assertRegex(out["token"], TOKEN_RE)
        return out["token"]

    def audit_records(self, type_):
        p = self.run_ok("audit", "export", "--data", self.data)
        recs = [json.loads(line) for line in p.stdout.splitlines()]
        return [r for r in recs if r["type"] == type_]

    def test_errors_and_help(self):
        self.add("motcua", "dossiers:write")
        cases = [
            (["service", "add", "--data", self.data, "--name", "khac", "--scopes", "lookups:run"], 2),
            (["service", "add", "--data", self.data, "--name", "khac", "--scopes", "dossiers:write,x"], 2),
            (["service", "add", "--data", self.data, "--name", "khac", "--scopes", ""], 2),
            (["service", "add", "--data", self.data, "--name", "khac"], 2),
            (["service", "add", "--data", self.data, "--scopes", "dossiers:write"], 2),
            (["service", "add", "--data", self.data, "--name", "Bad Name", "--scopes", "dossiers:write"], 2),
            (["service", "add", "--data", self.data, "--name", "khac", "--scopes", "dossiers:write",
              "--agency", "NO.SUCH"], 2),
            (["service", "add", "--data", self.data, "--name", "motcua", "--scopes", "indicators:read"], 1),
            (["service", "add", "--data", self.data, "--name", "admin", "--scopes", "indicators:read"], 1),
            (["service", "rotate", "--data", self.data, "--name", "no.such"], 1),
            (["service", "disable", "--data", self.data, "--name", "no.such"], 1),
            (["service", "rotate", "--data", self.data, "--name", "motcua", "--scopes", "indicators:read"], 2),
            (["service", "frob", "--data", self.data], 2),
            (["service", "list"], 2),
            (["service", "list", "--data", self.data, "--bogus"], 2),
            (["service"], 2),
        ]
        for args, want in cases:
            p = harness.run(args)
            self.assertEqual(p.returncode, want, "%s → %d\n%s" % (args, p.returncode, p.stderr))
            self.assertTrue(p.stderr.strip(), args)
            self.assertEqual(p.stdout, "", args)  # no token on any failure
        p = harness.run(["service", "add", "--data", self.data, "--name", "khac", "--scopes", "lookups:run"])
        self.assertIn("unknown scope 'lookups:run'", p.stderr)
        for action in ("add", "rotate", "list", "disable"):
            p = harness.run(["service", action, "--help"])
            self.assertEqual(p.returncode, 0, action)
            self.assertIn("canhgac service add", p.stdout)
            self.assertIn("stop 'canhgac serve'", p.stdout)
        self.assertEqual(harness.run(["service", "--help"]).returncode, 0)
        # nothing was made by the refusals
        p = self.run_ok("service", "list", "--data", self.data, "--json")
        self.assertEqual([json.loads(line)["name"] for line in p.stdout.splitlines()], ["motcua"])
        self.assertEqual(len(self.audit_records("service_create")), 1)

    def test_token_lifecycle_over_http(self):
        push = self.add("motcua.tp", "dossiers:write", agency="SO.TP")
        taxii = self.add("taxii.ncsc", "indicators:read,dossiers:write")
        self.assertNotEqual(push, taxii)
        # the token is never listed, nor kept in the database in clear
        p = self.run_ok("service", "list", "--data", self.data, "--json")
        self.assertNotIn(push, p.stdout)
        rows = {json.loads(line)["name"]: json.loads(line) for line in p.stdout.splitlines()}
        self.assertEqual(rows["motcua.tp"]["scopes"], ["dossiers:write"])
        self.assertEqual(rows["motcua.tp"]["agency"], "SO.TP")
        self.assertEqual(rows["taxii.ncsc"]["scopes"], ["dossiers:write", "indicators:read"])
        self.assertIsNone(rows["motcua.tp"]["last_used_at"])
        with open(os.path.join(self.data, "canhgac.db"), "rb") as f:
            self.assertNotIn(push.encode(), f.read())

        calls = 0
        with harness.Server(self.data) as srv:
            st, _, body = srv.request("GET", "/api/v1/service/whoami", headers=bearer(push))
            calls += 1
            self.assertEqual(st, 200, body)
            self.assertEqual(body, {"name": "motcua.tp", "scopes": ["dossiers:write"], "agency": "SO.TP"})
            st, _, body = srv.request("GET", "/api/v1/service/whoami?scope=indicators:read",
                                      headers=bearer(push))
            calls += 1
            self.assertEqual((st, body["error"], body["scope"]), (403, "insufficient_scope", "indicators:read"))
            st, _, body = srv.request("GET", "/api/v1/service/whoami?scope=indicators:read",
                                      headers=bearer(taxii))
            self.assertEqual((st, body["name"]), (200, "taxii.ncsc"))

            # no console, no sign-in, no lookups, no officer or admin route
            for method, path, payload in (("GET", "/api/v1/me", None),
                                          ("GET", "/api/v1/session", None),
                                          ("DELETE", "/api/v1/session", None),
                                          ("POST", "/api/v1/session", {"username": "admin",
                                                                       "password": self.admin_otp}),
                                          ("POST", "/api/v1/lookups", {"citizen_id": "075200000001",
                                                                       "dossier_code": "H15-261008-0975",
                                                                       "procedure_code": "1.002421"}),
                                          ("GET", "/api/v1/lookups", None),
                                          ("GET", "/api/v1/users", None),
                                          ("POST", "/api/v1/users", {"username": "x.y", "full_name": "X",
                                                                     "agency": "SO.TP", "role": "admin"}),
                                          ("GET", "/api/v1/audit", None),
                                          ("GET", "/api/v1/indicators", None)):
                st, hdrs, body = srv.request(method, path, body=payload, headers=bearer(push))
                calls += 1
                self.assertEqual((st, body.get("error")), (403, "forbidden"), (method, path, body))
                self.assertIsNone(hdrs.get("Set-Cookie"), path)

            # a person with a session is refused on the service route
            admin = harness.signed_in(srv, "admin", self.admin_otp)
            st, _, body = admin.request("GET", "/api/v1/service/whoami")
            self.assertEqual((st, body["error"]), (403, "forbidden"))
            # a cookie and a token together: neither is trusted
            st, _, body = admin.request("GET", "/api/v1/me", headers=bearer(push))
            self.assertEqual((st, body["error"]), (400, "invalid_request"))
            # a wrong token, and a token in another scheme's clothes
            st, hdrs, wrong = srv.request("GET", "/api/v1/service/whoami", headers=bearer("cgs_" + "A" * 43))
            self.assertEqual((st, wrong["error"]), (401, "unauthorized"))
            self.assertIn("Bearer", hdrs.get("WWW-Authenticate", ""))
            st, _, _ = srv.request("GET", "/api/v1/service/whoami", headers={"Authorization": "Basic " + push})
            self.assertEqual(st, 401)

            # the admin sees each use in the audit search
            found = harness.eventually(
                lambda: admin.request("GET", "/api/v1/audit?type=service_call&actor=motcua.tp&limit=100"),
                lambda r: r[0] == 200 and len(r[2].get("records", r[2].get("items", []))) >= calls)
            self.assertEqual(found[0], 200, found[2])

            # list works beside the server; writing commands are refused, as for user add
            p = self.run_ok("service", "list", "--data", self.data, "--json")
            rows = {json.loads(line)["name"]: json.loads(line) for line in p.stdout.splitlines()}
            self.assertIsNotNone(rows["motcua.tp"]["last_used_at"])
            p = harness.run(["service", "rotate", "--data", self.data, "--name", "motcua.tp"])
            self.assertEqual(p.returncode, 1)
            self.assertIn("another canhgac process", p.stderr)
            self.assertEqual(p.stdout, "")

        # one service_call record per use, with the method, path and outcome
        recs = [r for r in self.audit_records("service_call") if r["actor"] == "motcua.tp"]
        self.assertEqual(len(recs), calls)
        self.assertEqual(recs[0]["payload"], {"method": "GET", "path": "/api/v1/service/whoami", "scope": "",
                                              "outcome": "allowed"})
        self.assertEqual(recs[0]["agency"], "SO.TP")
        self.assertEqual(sum(r["payload"]["outcome"] == "forbidden" for r in recs), 10)
        self.assertTrue(all(r["ip"] == "127.0.0.1" for r in recs))
        # the wrong token (a Basic header is no bearer token: a plain 401, no record)
        self.assertEqual(len(self.audit_records("service_auth_fail")), 1)
        self.assertEqual(self.audit_records("signin_ok")[-1]["actor"], "admin")
        self.assertEqual(len(self.audit_records("signin_ok")), 1)  # the token signed no one in

        # rotate: the old token is dead, the new one works
        out = json.loads(self.run_ok("service", "rotate", "--data", self.data, "--name", "motcua.tp",
                                     "--json").stdout)
        self.assertEqual(out["name"], "motcua.tp")
        fresh = out["token"]
        self.assertRegex(fresh, TOKEN_RE)
        self.assertNotEqual(fresh, push)
        self.run_ok("service", "disable", "--data", self.data, "--name", "taxii.ncsc")
        with harness.Server(self.data) as srv:
            st, _, body = srv.request("GET", "/api/v1/service/whoami", headers=bearer(push))
            self.assertEqual((st, body), (401, wrong))
            st, _, body = srv.request("GET", "/api/v1/service/whoami", headers=bearer(taxii))
            self.assertEqual((st, body), (401, wrong))  # disabled: the same answer
            st, _, body = srv.request("GET", "/api/v1/service/whoami", headers=bearer(fresh))
            self.assertEqual((st, body["name"]), (200, "motcua.tp"))
        p = self.run_ok("service", "list", "--data", self.data)
        self.assertRegex(p.stdout, r"taxii\.ncsc\s+disabled")
        self.assertRegex(p.stdout, r"motcua\.tp\s+active")
        # a disabled service cannot be rotated back to life
        p = harness.run(["service", "rotate", "--data", self.data, "--name", "taxii.ncsc"])
        self.assertEqual(p.returncode, 1)
        for t in ("service_create", "service_rotate", "service_disable"):
            self.assertTrue(all(r["actor"] == "cli" for r in self.audit_records(t)), t)
        self.assertEqual(len(self.audit_records("service_rotate")), 1)
        self.assertEqual(len(self.audit_records("service_disable")), 1)
        p = self.run_ok("audit", "verify", "--data", self.data)
        self.assertTrue(p.stdout.startswith("ok: "), p.stdout)


if __name__ == "__main__":
    unittest.main()
