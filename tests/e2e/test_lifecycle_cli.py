"""Issue 9 on the command line: `canhgac review`, `canhgac staff-change` (file,
list) and `canhgac user reset-totp`: --help, bad usage (exit 2), failures (exit
1), success, and the write commands refused while the server holds the audit
log (the read-only ones work beside it)."""

import datetime
import json
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_totp_staff import totp  # noqa: E402


def local_date(days=0):
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))
    return (now + datetime.timedelta(days=days)).strftime("%Y-%m-%d")


class LifecycleCli(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()
        self.data = harness.data_dir(self.tmp.name)
        self.admin_otp = harness.init_fast(self.data)["one_time_password"]
        self.otp = {}
        for code in ("SO.A", "SO.B"):
            self.run_ok("agency", "add", "--data", self.data, "--code", code, "--name", "Sở " + code)
        for name in ("cb.one", "cb.two", "cb.three"):
            p = self.run_ok("user", "add", "--data", self.data, "--username", name, "--name", "Cán Bộ " + name,
                            "--agency", "SO.A", "--role", "officer", "--json")
            self.otp[name] = json.loads(p.stdout)["one_time_password"]

    def tearDown(self):
        self.tmp.cleanup()

    def run_ok(self, *args):
        p = harness.run(list(args))
        self.assertEqual(p.returncode, 0, "%s\n%s" % (args, p.stderr))
        return p

    def users(self, agency=None):
        args = ["user", "list", "--data", self.data, "--json"] + (["--agency", agency] if agency else [])
        return {u["username"]: u for u in map(json.loads, self.run_ok(*args).stdout.splitlines())}

    def test_help_and_usage(self):
        for args, want in ((["review", "--help"], "--agency CODE"),
                           (["staff-change", "--help"], "--reference REF"),
                           (["staff-change", "list", "--help"], "staff-change list"),
                           (["user", "--help"], "reset-totp")):
            p = harness.run(args)
            self.assertEqual(p.returncode, 0, args)
            self.assertIn(want, p.stdout, args)
        self.assertIn("staff-change", harness.run(["--help"]).stdout)
        d = self.data
        bad = [
            ["review", "--data", d],
            ["review", "--agency", "SO.A"],
            ["review", "--data", d, "--agency", "SO.A", "--format", "xlsx"],
            ["review", "--data", d, "--agency", "SO.A", "extra"],
            ["staff-change"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "leave"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "fire", "--reference", "R"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "transfer", "--reference", "R"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "leave", "--to-role", "admin",
             "--reference", "R"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "role", "--to-role", "boss",
             "--reference", "R"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "leave", "--effective", "2000-01-01",
             "--reference", "R"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "leave", "--effective", "tomorrow",
             "--reference", "R"],
            ["staff-change", "--data", d, "--username", "cb.one", "--kind", "transfer", "--to-agency", "NO.SUCH",
             "--reference", "R"],
            ["staff-change", "list", "--data", d, "--username", "cb.one"],
            ["staff-change", "list"],
            ["user", "reset-totp", "--data", d],
        ]
        for args in bad:
            p = harness.run(args)
            self.assertEqual(p.returncode, 2, "%s → %d\n%s" % (args, p.returncode, p.stderr))
            self.assertTrue(p.stderr.strip(), args)
        failing = [
            ["review", "--data", d, "--agency", "NO.SUCH"],
            ["staff-change", "--data", d, "--username", "nobody", "--kind", "leave", "--reference", "R"],
            ["user", "reset-totp", "--data", d, "--username", "nobody"],
        ]
        for args in failing:
            p = harness.run(args)
            self.assertEqual(p.returncode, 1, "%s → %d\n%s" % (args, p.returncode, p.stderr))
            self.assertTrue(p.stderr.strip(), args)
        # nothing above changed an account
        self.assertEqual({u["status"] for u in self.users().values()}, {"active"})

    def test_staff_changes(self):
        d = self.data
        p = self.run_ok("staff-change", "--data", d, "--username", "cb.one", "--kind", "leave",
                        "--reference", "QĐ 01/QĐ-SOA", "--json")
        filed = json.loads(p.stdout)
        self.assertEqual((filed["status"], filed["result"]), ("applied", "disabled"))
        self.assertEqual(self.users()["cb.one"]["status"], "disabled")
        self.run_ok("staff-change", "--data", d, "--username", "cb.two", "--kind", "transfer", "--to-agency", "SO.B",
                    "--reference", "QĐ 02")
        self.assertIn("cb.two", self.users("SO.B"))
        self.run_ok("staff-change", "--data", d, "--username", "cb.three", "--kind", "role", "--to-role",
                    "agency_admin", "--reference", "QĐ 03")
        self.assertEqual(self.users()["cb.three"]["role"], "agency_admin")
        p = self.run_ok("staff-change", "--data", d, "--username", "cb.three", "--kind", "leave", "--effective",
                        local_date(3), "--reference", "QĐ 04", "--json")
        pending = json.loads(p.stdout)
        self.assertEqual((pending["status"], pending["effective"]), ("pending", local_date(3)))
        self.assertEqual(self.users()["cb.three"]["status"], "active")
        p = self.run_ok("staff-change", "list", "--data", d, "--json")
        rows = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([r["reference"] for r in rows], ["QĐ 04", "QĐ 03", "QĐ 02", "QĐ 01/QĐ-SOA"])
        self.assertEqual([r["status"] for r in rows], ["pending", "applied", "applied", "applied"])
        p = self.run_ok("staff-change", "list", "--data", d, "--agency", "SO.B")
        self.assertIn("QĐ 02", p.stdout)  # a transfer into the agency
        self.assertNotIn("QĐ 01", p.stdout)
        p = self.run_ok("audit", "verify", "--data", d)
        self.assertTrue(p.stdout.startswith("ok: "), p.stdout)

    def test_review_output(self):
        out = os.path.join(self.tmp.name, "review.csv")
        self.run_ok("review", "--data", self.data, "--agency", "SO.A", "--format", "csv", "--output", out)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        with open(out, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbfusername,"))
        self.assertEqual(raw.count(b"\r\n"), 4)  # header and three accounts
        self.assertIn("Cán Bộ cb.one".encode(), raw)
        p = harness.run(["review", "--data", self.data, "--agency", "SO.A", "--output", out])
        self.assertEqual(p.returncode, 1)  # never overwrites
        p = self.run_ok("review", "--data", self.data, "--agency", "SO.A")
        body = json.loads(p.stdout)
        self.assertEqual(body["generated_by"], "cli")
        self.assertEqual(len(body["accounts"]), 3)
        p = self.run_ok("review", "--data", self.data, "--agency", "SO.A", "--format", "html")
        self.assertIn("Biên bản rà soát quyền truy cập", p.stdout)

    def test_reset_totp_and_refused_while_serving(self):
        d = self.data
        with harness.Server(d) as srv:
            c = harness.signed_in(srv, "cb.one", self.otp["cb.one"])
            st, _, body = c.request("POST", "/api/v1/me/totp")
            self.assertEqual(st, 200, body)
            st, _, body = c.request("POST", "/api/v1/me/totp/confirm", {"code": totp(body["secret"])})
            self.assertEqual(st, 200, body)
            st, _, _ = harness.Client(srv).sign_in("cb.one", harness.STRONG)
            self.assertEqual(st, 401)  # the second factor is needed now
            # writes are refused beside the server; reads work
            for args in (["user", "reset-totp", "--data", d, "--username", "cb.one"],
                         ["staff-change", "--data", d, "--username", "cb.two", "--kind", "leave",
                          "--reference", "R"]):
                p = harness.run(args)
                self.assertEqual(p.returncode, 1, args)
                self.assertIn("another canhgac process", p.stderr)
            self.run_ok("staff-change", "list", "--data", d)
            p = self.run_ok("review", "--data", d, "--agency", "SO.A")
            one = next(a for a in json.loads(p.stdout)["accounts"] if a["username"] == "cb.one")
            self.assertEqual(one["second_factor"], "enabled")
        self.assertEqual(self.users()["cb.two"]["status"], "active")
        p = self.run_ok("user", "reset-totp", "--data", d, "--username", "cb.one")
        self.assertIn("second factor removed", p.stdout)
        with harness.Server(d) as srv:
            st, _, body = harness.Client(srv).sign_in("cb.one", harness.STRONG)
            self.assertEqual(st, 200, body)
            admin = harness.signed_in(srv, "admin", self.admin_otp)
            st, _, body = admin.request("GET", "/api/v1/audit?type=totp_reset")
            self.assertEqual(st, 200, body)
            self.assertEqual([(r["actor"], r["payload"]["username"]) for r in body["records"]], [("cli", "cb.one")])


if __name__ == "__main__":
    unittest.main()
