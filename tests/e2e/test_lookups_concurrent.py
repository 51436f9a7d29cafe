"""Quotas stay exact under concurrent lookups on the HTTP threads (lookups are
answered from the HTTP thread once their audit record is durable): two officers
of one agency fire 40 lookups each from 16 connections at once; the agency's day
limit (25) and each officer's (15) are never exceeded, every refusal is 429 with
a scope, and the audit log holds exactly one record per lookup answered 200."""

import collections
import os
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_lookups import lookup, setup_instance  # noqa: E402

PER_OFFICER = 40


class ConcurrentQuota(unittest.TestCase):
    def test_no_over_grant(self):
        with harness.tempdir() as tmp:
            data, pw, ids = setup_instance(tmp, population=120)
            conf = harness.config_path(data)
            for key, value in (("user_per_minute", "15"), ("user_per_day", "15"),
                               ("agency_per_day", "25")):
                harness.set_config(conf, "quota", key, value)
            harness.set_config(conf, "detect", "suspend_rules", "")  # this is not an attack
            with harness.Server(data) as srv:
                c = {u: harness.signed_in(srv, u, pw[u]) for u in ("cb.a", "cb.a2", "thanhtra")}
                procedure = c["cb.a"].request("GET", "/api/v1/procedures")[2]["procedures"][0]["code"]
                jobs = [(u, ids[i % len(ids)]) for i in range(PER_OFFICER) for u in ("cb.a", "cb.a2")]
                with ThreadPoolExecutor(max_workers=16) as ex:
                    answers = list(ex.map(lambda j: (j[0],) + lookup(c[j[0]], j[1], procedure), jobs))
                ok = collections.Counter(u for u, st, _, _ in answers if st == 200)
                refused = [body for _, st, _, body in answers if st == 429]
                others = [(st, body) for _, st, _, body in answers if st not in (200, 429)]
                self.assertEqual(others, [])
                self.assertEqual(sum(ok.values()), 25, ok)
                self.assertLessEqual(ok["cb.a"], 15)
                self.assertLessEqual(ok["cb.a2"], 15)
                self.assertEqual(len(refused), 2 * PER_OFFICER - 25)
                for body in refused:
                    self.assertIn(body["scope"], ("user_minute", "user_day", "agency_day"))
                st, _, body = harness.eventually(
                    lambda: c["thanhtra"].request("GET", "/api/v1/lookups?agency=SO.A&limit=1000"),
                    lambda r: r[0] == 200 and len(r[2]["lookups"]) >= 25)
                self.assertEqual(st, 200, body)
                self.assertEqual(len(body["lookups"]), 25)
                # and nothing more is granted afterwards
                st, _, body = lookup(c["cb.a"], ids[0], procedure)
                self.assertEqual(st, 429, body)


if __name__ == "__main__":
    unittest.main()
