"""canhgac user / agency on the command line: add with a handover record, list
(also beside a running server), disable/enable with a reason, unlock, reset, and
the errors of each; write commands refused while the server holds the audit log."""

import json
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class UserCli(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()
        self.data = harness.data_dir(self.tmp.name)
        harness.init_fast(self.data)

    def tearDown(self):
        self.tmp.cleanup()

    def run_ok(self, *args):
        p = harness.run(list(args))
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_add_with_handover_record(self):
        self.run_ok("agency", "add", "--data", self.data, "--code", "UBND.BIENHOA", "--name", "UBND Biên Hòa")
        record = os.path.join(self.tmp.name, "bienban.html")
        p = self.run_ok("user", "add", "--data", self.data, "--username", "canbo.bh", "--name",
                        "Phạm Thị <Hồng>", "--agency", "UBND.BIENHOA", "--role", "officer", "--json",
                        "--handover", record)
        out = json.loads(p.stdout)
        self.assertEqual(out["username"], "canbo.bh")
        otp = out["one_time_password"]
        self.assertEqual(stat.S_IMODE(os.stat(record).st_mode), 0o600)
        html = open(record, encoding="utf-8").read()
        self.assertIn("BIÊN BẢN BÀN GIAO TÀI KHOẢN", html)
        self.assertIn(otp.replace("&", "&amp;"), html)
        self.assertIn("canbo.bh", html)
        self.assertIn("Phạm Thị &lt;Hồng&gt;", html)  # escaped
        self.assertIn("UBND Biên Hòa", html)
        self.assertIn("BÊN NHẬN", html)
        # the record is never overwritten
        p = harness.run(["user", "reset-password", "--data", self.data, "--username", "canbo.bh",
                         "--handover", record])
        self.assertEqual(p.returncode, 1)
        self.assertIn("handover", p.stderr)

    def test_errors(self):
        cases = [
            (["user", "add", "--data", self.data, "--username", "x.y"], 2),
            (["user", "add", "--data", self.data, "--username", "ok.name", "--name", "N", "--agency",
              "TTCNTT", "--role", "root"], 2),
            (["user", "add", "--data", self.data, "--username", "ok.name", "--name", "N", "--agency",
              "NO.SUCH", "--role", "officer"], 2),
            (["user", "add", "--data", self.data, "--username", "admin", "--name", "N", "--agency",
              "TTCNTT", "--role", "officer"], 1),
            (["user", "disable", "--data", self.data, "--username", "admin"], 2),
            (["user", "disable", "--data", self.data, "--username", "nobody", "--reason", "r"], 1),
            (["user", "unlock", "--data", self.data, "--username", "admin"], 1),
            (["user", "frobnicate", "--data", self.data], 2),
            (["user", "list"], 2),
            (["user", "list", "--data", self.data, "--status", "weird"], 2),
            (["agency", "add", "--data", self.data, "--code", "bad code", "--name", "N"], 2),
            (["agency", "add", "--data", self.data, "--code", "TTCNTT", "--name", "N"], 1),
            (["agency", "add", "--data", self.data, "--code", "SO.X", "--name", "N", "--quota-per-day", "abc"], 2),
            (["agency", "add", "--data", self.data, "--code", "SO.X", "--name", "N", "--quota-per-day", "0"], 2),
        ]
        for args, want in cases:
            p = harness.run(args)
            self.assertEqual(p.returncode, want, "%s → %d\n%s" % (args, p.returncode, p.stderr))
            self.assertTrue(p.stderr.strip(), args)
        for args in (["user", "--help"], ["agency", "--help"], ["demo", "--help"]):
            self.assertEqual(harness.run(args).returncode, 0, args)

    def test_disable_enable_reset_and_list(self):
        self.run_ok("user", "add", "--data", self.data, "--username", "cb.one", "--name", "Cán Bộ",
                    "--agency", "TTCNTT", "--role", "officer")
        self.run_ok("user", "disable", "--data", self.data, "--username", "cb.one", "--reason", "nghỉ việc")
        p = self.run_ok("user", "list", "--data", self.data, "--status", "disabled")
        self.assertIn("cb.one", p.stdout)
        self.assertNotIn("admin ", p.stdout)
        self.run_ok("user", "enable", "--data", self.data, "--username", "cb.one", "--reason", "trở lại")
        p = self.run_ok("user", "reset-password", "--data", self.data, "--username", "cb.one", "--json")
        otp = json.loads(p.stdout)["one_time_password"]
        with harness.Server(self.data) as srv:
            st, _, body = harness.Client(srv).sign_in("cb.one", otp)
            self.assertEqual(st, 200, body)
            self.assertTrue(body["must_change_password"])
            # read-only commands work beside the server; writes are refused clearly
            p = harness.run(["user", "list", "--data", self.data, "--json"])
            self.assertEqual(p.returncode, 0, p.stderr)
            names = [json.loads(line)["username"] for line in p.stdout.splitlines()]
            self.assertEqual(sorted(names), ["admin", "cb.one"])
            p = harness.run(["user", "disable", "--data", self.data, "--username", "cb.one", "--reason", "x"])
            self.assertEqual(p.returncode, 1)
            self.assertIn("another canhgac process", p.stderr)
        # every change above is in the audit log, and the chain holds
        p = self.run_ok("audit", "verify", "--data", self.data)
        self.assertTrue(p.stdout.startswith("ok: "), p.stdout)


if __name__ == "__main__":
    unittest.main()
