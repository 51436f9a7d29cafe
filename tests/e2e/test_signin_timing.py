"""Neither the answer nor its timing tells whether a username exists: the median
time of a failed sign-in for an unknown user is within 20% of that of a known
user's wrong password, over many interleaved tries (both do one argon2id verify;
the unknown user's against a dummy hash). Lockout and the address throttle are
raised out of the way so every try does the full work."""

import os
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TRIES = 40
ROUNDS = 3


class SigninTiming(unittest.TestCase):
    def test_unknown_user_costs_the_same(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            otp = harness.init(data)["one_time_password"]
            conf = harness.config_path(data)
            # a cost between the minimum and the default: hashing dominates the
            # request's time without making the test slow
            harness.set_config(conf, "password", "hash_memory_mib", "32")
            harness.set_config(conf, "password", "hash_passes", "2")
            harness.set_config(conf, "lockout", "max_failures", "100")
            harness.set_config(conf, "lockout", "ip_max_failures", "100000")
            with harness.Server(data) as srv:
                # the password change re-hashes at the configured cost, which the
                # dummy hash uses too
                harness.signed_in(srv, "admin", otp)

                def timed(username):
                    t = time.perf_counter()
                    st, _, body = harness.Client(srv).sign_in(username, "Wrong#Pass123")
                    elapsed = time.perf_counter() - t
                    self.assertEqual((st, body["error"]), (401, "invalid_credentials"))
                    return elapsed, body
                timed("admin"), timed("khong.ton.tai")  # warm up
                # A machine busy with other work can skew one round of medians
                # (seen at load 20+ under ASan); a real leak (no hash for an
                # unknown user) skews every round, so up to three rounds are
                # measured and one within bounds passes.
                ratios = []
                for rnd in range(ROUNDS):
                    known, unknown = [], []
                    for i in range(TRIES):
                        a, body_a = timed("admin")
                        b, body_b = timed("khong.ton.tai.%d.%d" % (rnd, i))
                        self.assertEqual(body_a, body_b)
                        known.append(a)
                        unknown.append(b)
                    mk, mu = statistics.median(known), statistics.median(unknown)
                    ratio = mu / mk
                    ratios.append(ratio)
                    sys.stderr.write("round %d: median known-user failure %.1f ms, unknown user %.1f ms, "
                                     "ratio %.3f\n" % (rnd + 1, mk * 1000, mu * 1000, ratio))
                    self.assertGreater(mk, 0.005, "hashing seems not to happen at all")
                    if 0.8 <= ratio <= 1.2:
                        break
                self.assertTrue(0.8 <= ratios[-1] <= 1.2, "ratios %s" % ", ".join("%.3f" % r for r in ratios))

if __name__ == "__main__":
    unittest.main()
