"""The population file beside a running server: `canhgac population generate`
run in another process replaces it, and the server's lookups answer from the
new population within the recheck interval (1 s) with no restart; while the
server has the file open, a tool that tries to write into it in place is told
the database is locked and changes nothing; the data directory keeps no
leftover build file."""

import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_lookups import lookup, setup_instance  # noqa: E402


def all_ids(data, count):
    p = harness.run(["population", "sample", "--data", data, "--count", str(count)])
    assert p.returncode == 0, p.stderr
    return set(p.stdout.split())


class PopulationReplace(unittest.TestCase):
    def test_generate_beside_the_server(self):
        with harness.tempdir() as tmp:
            data, pw, _ = setup_instance(tmp, officers=(("cb.a", "SO.A"),), population=200)
            old = all_ids(data, 200)
            self.assertEqual(len(old), 200)
            conf = harness.config_path(data)
            harness.set_config(conf, "quota", "user_per_minute", "1000")
            harness.set_config(conf, "quota", "user_per_day", "10000")
            with harness.Server(data) as srv:
                c = harness.signed_in(srv, "cb.a", pw["cb.a"])
                st, _, body = c.request("GET", "/api/v1/procedures")
                self.assertEqual(st, 200, body)
                proc = body["procedures"][0]["code"]
                first = sorted(old)[0]
                st, _, body = lookup(c, first, proc)
                self.assertEqual(st, 200, body)

                p = harness.run(["population", "generate", "--data", data, "--count", "150", "--seed", "12"])
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("replaced 200", p.stdout)
                new = all_ids(data, 1000)
                self.assertEqual(len(new), 150)
                gone = sorted(old - new)[0]
                fresh = sorted(new - old)[0]

                def both():
                    return lookup(c, gone, proc)[0], lookup(c, fresh, proc)[0]
                self.assertEqual(harness.eventually(both, lambda r: r == (404, 200), timeout=5.0, interval=0.1), (404, 200))
                # every HTTP thread has moved to the new file, not just one
                for _ in range(10):
                    self.assertEqual(both(), (404, 200))

                # an in-place write while the server reads the file: refused, nothing changed
                path = os.path.join(data, "canhgac.population.db")
                db = sqlite3.connect(path, timeout=0.2)
                with self.assertRaises(sqlite3.OperationalError) as cm:
                    db.execute("DELETE FROM population")
                    db.commit()
                db.close()
                self.assertIn("locked", str(cm.exception))
                self.assertEqual(all_ids(data, 1000), new)
                st, _, body = lookup(c, fresh, proc)
                self.assertEqual(st, 200, body)
                self.assertTrue(any("was replaced" in line.get("message", "") for line in srv.log_lines()),
                                "the server logs that it reads the new file")
            self.assertFalse(os.path.exists(os.path.join(data, "canhgac.population.db.new")))


if __name__ == "__main__":
    unittest.main()
