"""The audit log from the outside: `canhgac audit verify|citizen|export|reindex`
(help, usage errors, exit codes), GET /api/v1/audit/verify for admins only, the
final checkpoint written on SIGTERM, and tampering found by the CLI and the API."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def segment(data):
    d = os.path.join(data, "audit")
    names = sorted(n for n in os.listdir(d) if n.startswith("seg-"))
    return os.path.join(d, names[-1])


class AuditCli(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()
        self.data = harness.data_dir(self.tmp.name)
        self.otp = harness.init_fast(self.data)["one_time_password"]

    def tearDown(self):
        self.tmp.cleanup()

    def verify(self, *extra):
        return harness.run(["audit", "verify", "--data", self.data] + list(extra))

    def test_help_and_usage(self):
        for sub in ("verify", "citizen", "export", "reindex"):
            p = harness.run(["audit", sub, "--help"])
            self.assertEqual(p.returncode, 0, sub)
            self.assertIn("Usage: canhgac audit " + sub, p.stdout)
        self.assertEqual(harness.run(["audit", "--help"]).returncode, 0)
        for args in (["audit"], ["audit", "bogus"], ["audit", "verify"],
                     ["audit", "verify", "--data", self.data, "--limit", "3"],
                     ["audit", "citizen", "--data", self.data],
                     ["audit", "export", "--data", self.data, "--from", "yesterday"]):
            p = harness.run(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn("--help", p.stderr)

    def test_serve_api_export_reindex_and_tampering(self):
        with harness.Server(self.data) as srv:
            st, _, _ = srv.request("GET", "/api/v1/audit/verify")
            self.assertEqual(st, 401)
            admin = harness.signed_in(srv, "admin", self.otp)
            st, _, body = admin.request("GET", "/api/v1/audit/verify")
            self.assertEqual(st, 200, body)
            self.assertTrue(body["ok"])
            self.assertGreaterEqual(body["records"], 2)
            # The writer holds the log: reindex must wait for the server to stop.
            p = harness.run(["audit", "reindex", "--data", self.data])
            self.assertEqual(p.returncode, 1)
            self.assertIn("stop it first", p.stderr)
        # SIGTERM flushed and signed everything.
        p = self.verify()
        self.assertEqual(p.returncode, 0, p.stderr)
        n = int(p.stdout.split()[1])
        self.assertIn("ok: %d records, last checkpoint %d" % (n, n), p.stdout)
        p = self.verify("--json")
        self.assertEqual(json.loads(p.stdout), {"ok": True, "records": n, "checkpoint_seq": n})

        p = harness.run(["audit", "export", "--data", self.data])
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([r["seq"] for r in recs], list(range(1, n + 1)))
        self.assertTrue(all(len(r["hash"]) == 64 for r in recs))
        p = harness.run(["audit", "export", "--data", self.data, "--from", "2999-01-01"])
        self.assertEqual((p.returncode, p.stdout), (0, ""))

        p = harness.run(["audit", "reindex", "--data", self.data])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("reindexed: %d records" % n, p.stdout)
        p = harness.run(["audit", "citizen", "--data", self.data, "075203001234"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("no lookups", p.stdout)

        # Another key does not vouch for these checkpoints.
        other = os.path.join(self.tmp.name, "other.pub")
        with open(other, "w") as f:
            f.write("11" * 32 + "\n")
        p = self.verify("--pubkey", other)
        self.assertEqual(p.returncode, 1)
        self.assertIn("bad signature", p.stdout)

        # Edit the first record in place.
        path = segment(self.data)
        with open(path) as f:
            lines = f.readlines()
        self.assertIn('"seq":1,', lines[0])
        edited = lines[0].replace('"actor":"', '"actor":"x', 1)
        self.assertNotEqual(edited, lines[0])
        lines[0] = edited
        with open(path, "w") as f:
            f.writelines(lines)
        p = self.verify()
        self.assertEqual(p.returncode, 1)
        self.assertIn("TAMPERED: first bad seq 1", p.stdout)
        self.assertIn("evidence", p.stderr)
        p = self.verify("--json")
        body = json.loads(p.stdout)
        self.assertFalse(body["ok"])
        self.assertEqual(body["first_bad_seq"], 1)


if __name__ == "__main__":
    unittest.main()
