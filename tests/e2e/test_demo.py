"""`canhgac demo` as a newcomer runs it (issues 5 and 17): on an empty directory it
prints every demo account with a one-time password and a few open dossiers with a
citizen each, generates the 100,000 synthetic citizens and the agencies' dossiers
and serves with lookups bound to real dossiers; an officer signs in with the
printed password, changes it and looks the printed citizen up under the printed
dossier, all well within the two minutes the issue allows, while an invented
dossier code is refused. A second run keeps the population and the dossiers and
gives the accounts new one-time passwords."""

import os
import queue
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_lookups import lookup  # noqa: E402

DEMO_TIMEOUT = 120.0  # the two minutes, from the command to a lookup
ACCOUNT_RE = re.compile(r"^  (\S+)\s+(admin|agency_admin|auditor|officer)\s+(\S+)\s*$")
DOSSIER_RE = re.compile(r"^  (\S+)  thủ tục (\S+)  công dân (\d{12}) \((\S+)\)\s*$")


class Demo(harness.Server):
    """`canhgac demo` in place of `canhgac serve`, keeping what it printed."""

    def start(self):
        self.printed = []
        args = [harness.binary(), "demo", "--data", self.data, "--listen", self.listen]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._pump(self.proc.stdout, self._stdout.put)
        self._pump(self.proc.stderr, self._stderr.append)
        deadline = time.monotonic() + DEMO_TIMEOUT
        while True:
            try:
                line = self._stdout.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self._kill()
                raise harness.HarnessError("demo printed no listening line: %r\n%s"
                                           % (self.printed, self.stderr_text()))
            self.printed.append(line)
            m = harness.LISTEN_RE.match(line)
            if m:
                self.scheme, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
                self.url = "%s://%s:%d" % (self.scheme, self.host, self.port)
                return self

    def accounts(self):
        return {m.group(1): (m.group(2), m.group(3)) for m in map(ACCOUNT_RE.match, self.printed) if m}

    def dossiers(self):
        """(dossier code, procedure code, citizen id) of each printed dossier."""
        return [m.group(1, 2, 3) for m in map(DOSSIER_RE.match, self.printed) if m]


class DemoCommand(unittest.TestCase):
    def test_newcomer_signs_in_changes_password_and_looks_up(self):
        with harness.tempdir() as tmp:
            data = os.path.join(tmp, "demo-data")
            t0 = time.monotonic()
            with Demo(data) as demo:
                accounts = demo.accounts()
                self.assertEqual(set(r for r, _ in accounts.values()),
                                 {"admin", "agency_admin", "auditor", "officer"})
                dossiers = demo.dossiers()
                self.assertEqual(len(dossiers), 3, demo.printed)
                code, procedure, citizen = dossiers[0]
                c = harness.signed_in(demo, "canbo.bienhoa", accounts["canbo.bienhoa"][1])
                st, _, body = lookup(c, citizen, procedure, code)
                self.assertEqual(st, 200, body)
                self.assertTrue(body["citizen"])
                self.assertLess(time.monotonic() - t0, DEMO_TIMEOUT)
                # the demo verifies dossiers: a well-formed invented code opens nothing
                st, _, body = lookup(c, citizen, procedure, "UBND.BIENHOA-261201-0000001")
                self.assertEqual((st, body["error"]), (403, "dossier_not_found"), body)
                self.assertNotIn("citizen", body)
                st, _, health = c.request("GET", "/healthz")
                self.assertEqual(health["dossier_check"], "verify")
                st, _, listed = c.request("GET", "/api/v1/dossiers?status=open")
                self.assertEqual(st, 200, listed)
                self.assertIn(code, [d["code"] for d in listed["dossiers"]])
                self.assertEqual({d["agency"] for d in listed["dossiers"]}, {"UBND.BIENHOA"})
            p = harness.run(["population", "sample", "--data", data, "--count", "200000"], timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(len(p.stdout.split()), 100000)
            population = os.stat(os.path.join(data, "canhgac.population.db")).st_ino

            # again: the same citizens, new one-time passwords
            with Demo(data) as demo:
                again = demo.accounts()
                self.assertEqual(set(again), set(accounts))
                self.assertNotEqual(again["canbo.bienhoa"][1], accounts["canbo.bienhoa"][1])
                c = harness.signed_in(demo, "canbo.bienhoa", again["canbo.bienhoa"][1], "Zx8$kPq4wN7!")
                st, _, body = lookup(c, citizen, procedure, code)
                self.assertEqual(st, 200, body)
                self.assertEqual(demo.dossiers()[0][0], code)  # the same dossiers, not new ones
            # not generated again: the same file
            self.assertEqual(os.stat(os.path.join(data, "canhgac.population.db")).st_ino, population)


if __name__ == "__main__":
    unittest.main()
