"""Citizen lookups over HTTP: only the procedure's fields leave; every bad input
has its code; a citizen not found is audited too; the three quotas answer 429
with their scope and Retry-After; the day's count survives a restart; roles and
agencies on the lookup lists; and a kill -9 in the middle of a lookup load loses
no answered lookup from the audit log."""

import datetime
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DOSSIER = "H15.50.05.13-261008-0975"


def setup_instance(tmp, officers=(("cb.a", "SO.A"), ("cb.a2", "SO.A"), ("cb.b", "SO.B")), population=300):
    """An instance with agencies, officers, an auditor, an agency admin and a
    synthetic population; returns (data, one-time passwords by username, ids)."""
    data = harness.data_dir(tmp)
    pw = {"admin": harness.init_fast(data)["one_time_password"]}
    p = harness.run(["population", "generate", "--data", data, "--count", str(population), "--seed", "11"])
    assert p.returncode == 0, p.stderr
    p = harness.run(["population", "sample", "--data", data, "--count", "50"])
    assert p.returncode == 0, p.stderr
    ids = p.stdout.split()
    for code in ("SO.A", "SO.B"):
        assert harness.run(["agency", "add", "--data", data, "--code", code, "--name", code]).returncode == 0
    users = list(officers) + [("qt.a", "SO.A", "agency_admin"), ("thanhtra", "SO.B", "auditor")]
    for u in users:
        role = u[2] if len(u) > 2 else "officer"
        p = harness.run(["user", "add", "--data", data, "--username", u[0], "--name", "Cán Bộ " + u[0],
                         "--agency", u[1], "--role", role, "--json"])
        assert p.returncode == 0, p.stderr
        pw[u[0]] = json.loads(p.stdout)["one_time_password"]
    return data, pw, ids


def lookup(c, citizen_id, procedure, dossier=DOSSIER):
    return c.request("POST", "/api/v1/lookups", {"citizen_id": citizen_id, "dossier_code": dossier,
                                                 "procedure_code": procedure})


class Lookups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data, pw, cls.ids = setup_instance(cls.tmp.name)
        conf = harness.config_path(cls.data)
        harness.set_config(conf, "quota", "user_per_minute", "5")
        harness.set_config(conf, "quota", "user_per_day", "40")
        cls.srv = harness.Server(cls.data).start()
        cls.c = {u: harness.signed_in(cls.srv, u, p) for u, p in pw.items()}
        st, _, body = cls.c["cb.a"].request("GET", "/api/v1/procedures")
        assert st == 200, body
        cls.procedures = {p["code"]: p for p in body["procedures"]}
        # the procedure that sees the fewest fields, and one that sees more
        by_size = sorted(cls.procedures.values(), key=lambda p: len(p["fields"]))
        cls.small, cls.large = by_size[0], by_size[-1]

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        assert code == 0

    def test_only_the_procedures_fields_leave(self):
        for i, pr in enumerate((self.small, self.large)):
            st, _, body = lookup(self.c["cb.b"], self.ids[i], pr["code"])
            self.assertEqual(st, 200, body)
            self.assertEqual(set(body["citizen"]), set(pr["fields"]))
            self.assertGreater(body["audit_seq"], 0)
            self.assertEqual(body["quota"]["minute"]["limit"], 5)
            self.assertGreaterEqual(body["quota"]["day"]["used"], 1)
        self.assertLess(len(self.small["fields"]), len(self.large["fields"]))

    def test_bad_inputs(self):
        pr = self.small["code"]
        good = self.ids[0]
        cases = [
            ({"citizen_id": good[:11]}, "invalid_citizen_id"),
            ({"citizen_id": good + "1"}, "invalid_citizen_id"),
            ({"citizen_id": "003" + good[3:]}, "invalid_citizen_id"),       # no province 003
            ({"citizen_id": good[:3] + "3" + "99" + good[6:]}, "invalid_citizen_id"),  # born 2099
            ({"citizen_id": "07509x123456"}, "invalid_citizen_id"),
            ({"dossier_code": "not a dossier"}, "invalid_dossier_code"),
            ({"dossier_code": ""}, "invalid_dossier_code"),
            ({"procedure_code": "9.999999"}, "unknown_procedure"),
        ]
        for change, code in cases:
            body = {"citizen_id": good, "dossier_code": DOSSIER, "procedure_code": pr}
            body.update(change)
            st, _, ans = self.c["cb.a2"].request("POST", "/api/v1/lookups", body)
            self.assertEqual((st, ans["error"]), (400, code), change)
        st, _, ans = self.c["cb.a2"].request("POST", "/api/v1/lookups", {"citizen_id": good})
        self.assertEqual((st, ans["error"]), (400, "invalid_request"))

    def test_not_found_is_audited(self):
        missing = "075" + "2" + "05" + "999999"  # valid, and not in the generated population
        st, _, body = lookup(self.c["cb.a2"], missing, self.small["code"])
        self.assertEqual((st, body["error"]), (404, "citizen_not_found"))
        self.assertGreater(body["audit_seq"], 0)
        # the search waits (up to 2 s) for the projections to cover every lookup
        # already answered; on a loaded machine that can run out, hence the retry
        st, _, body = harness.eventually(
            lambda: self.c["thanhtra"].request("GET", "/api/v1/citizens/%s/accesses" % missing),
            lambda r: r[0] != 200 or r[2]["accesses"])
        self.assertEqual(st, 200, body)
        self.assertEqual([(a["username"], a["outcome"]) for a in body["accesses"]], [("cb.a2", "not_found")])

    def test_roles(self):
        for who in ("admin", "thanhtra", "qt.a"):
            st, _, body = lookup(self.c[who], self.ids[0], self.small["code"])
            self.assertEqual((st, body["error"]), (403, "forbidden"), who)
        self.assertIn(lookup(self.c["cb.b"], self.ids[5], self.small["code"])[0], (200, 404))
        st, _, body = self.c["qt.a"].request("GET", "/api/v1/lookups")
        self.assertEqual(st, 200, body)
        # SO.A's admin: SO.A's lookups only, so not the SO.B lookup just answered
        # (which the auditor sees below)
        self.assertTrue(all(l["agency"] == "SO.A" for l in body["lookups"]), body)
        self.assertFalse(any(l["username"] == "cb.b" for l in body["lookups"]), body)
        st, _, body = self.c["qt.a"].request("GET", "/api/v1/lookups?agency=SO.B")
        self.assertEqual(st, 403)
        st, _, body = harness.eventually(
            lambda: self.c["thanhtra"].request("GET", "/api/v1/lookups?username=cb.b"),
            lambda r: r[0] != 200 or r[2]["lookups"])
        self.assertEqual(st, 200)
        self.assertTrue(body["lookups"] and all(l["username"] == "cb.b" for l in body["lookups"]))
        # an officer sees their own history only
        st, _, body = harness.eventually(
            lambda: self.c["cb.b"].request("GET", "/api/v1/lookups"),
            lambda r: r[0] != 200 or r[2]["lookups"])
        self.assertEqual(st, 200, body)
        self.assertTrue(body["lookups"] and all(l["username"] == "cb.b" for l in body["lookups"]))
        self.assertEqual(self.c["cb.b"].request("GET", "/api/v1/lookups?username=cb.a")[0], 403)
        self.assertEqual(self.c["cb.b"].request("GET", "/api/v1/lookups?agency=SO.A")[0], 403)
        st, _, body = self.c["cb.b"].request("GET", "/api/v1/lookups?username=cb.b&citizen_id=%s" % self.ids[5])
        self.assertEqual(st, 200, body)
        self.assertTrue(body["lookups"] and all(l["citizen_id"] == self.ids[5] for l in body["lookups"]), body)
        self.assertEqual(self.c["cb.a"].request("GET", "/api/v1/citizens/%s/accesses" % self.ids[0])[0], 403)
        st, _, body = self.c["thanhtra"].request("GET", "/api/v1/lookups?limit=0")
        self.assertEqual(st, 400)

    def test_search_sees_answered_lookup_and_to_date(self):
        # the projections are written in coalesced transactions; a search right
        # after an answered lookup still sees it (no retry here)
        st, _, body = lookup(self.c["cb.b"], self.ids[6], self.small["code"])
        self.assertEqual(st, 200, body)
        seq = body["audit_seq"]
        q = "/api/v1/lookups?citizen_id=%s" % self.ids[6]
        st, _, body = self.c["thanhtra"].request("GET", q)
        self.assertEqual(st, 200, body)
        rec = [l for l in body["lookups"] if l["audit_seq"] == seq]
        self.assertEqual(len(rec), 1, body)
        # `to` as a local date (Asia/Ho_Chi_Minh, UTC+7) includes that whole day
        t = datetime.datetime.strptime(rec[0]["time"], "%Y-%m-%dT%H:%M:%SZ")
        day = (t + datetime.timedelta(hours=7)).date()
        for params, present in (("&to=%s" % day, True), ("&from=%s" % day, True),
                                ("&to=%s" % (day - datetime.timedelta(days=1)), False),
                                ("&from=%s" % (day + datetime.timedelta(days=1)), False)):
            st, _, body = self.c["thanhtra"].request("GET", q + params)
            self.assertEqual(st, 200, body)
            self.assertEqual(any(l["audit_seq"] == seq for l in body["lookups"]), present, params)

    def test_minute_quota(self):
        c = self.c["cb.a"]
        statuses = []
        for i in range(7):
            st, hdrs, body = lookup(c, self.ids[10 + i], self.small["code"])
            statuses.append(st)
            if st == 429:
                self.assertEqual(body["error"], "quota_exceeded")
                self.assertEqual(body["scope"], "user_minute")
                self.assertGreaterEqual(body["retry_after"], 1)
                self.assertEqual(int(hdrs.get("Retry-After")), body["retry_after"])
        self.assertIn(429, statuses)
        self.assertLessEqual(statuses.count(200) + statuses.count(404), 5)
        st, _, body = c.request("GET", "/api/v1/me")
        self.assertEqual(body["quota"]["minute"]["limit"], 5)
        self.assertEqual(body["quota"]["minute"]["used"], 5)


class DayQuotaAcrossRestart(unittest.TestCase):
    def test_day_counts_survive_a_restart(self):
        with harness.tempdir() as tmp:
            data, pw, ids = setup_instance(tmp, officers=(("cb.a", "SO.A"), ("cb.a2", "SO.A")))
            conf = harness.config_path(data)
            harness.set_config(conf, "quota", "user_per_minute", "3")
            harness.set_config(conf, "quota", "user_per_day", "3")
            with harness.Server(data) as srv:
                c = harness.signed_in(srv, "cb.a", pw["cb.a"])
                harness.signed_in(srv, "cb.a2", pw["cb.a2"])
                st, _, procs = c.request("GET", "/api/v1/procedures")
                code = procs["procedures"][0]["code"]
                for i in range(3):
                    self.assertEqual(lookup(c, ids[i], code)[0], 200)
                st, hdrs, body = lookup(c, ids[3], code)
                self.assertEqual((st, body["scope"]), (429, "user_day"))
                self.assertGreater(body["retry_after"], 60)  # until local midnight
                self.assertLessEqual(body["retry_after"], 86400)
            with harness.Server(data) as srv:
                c = harness.Client(srv)
                self.assertEqual(c.sign_in("cb.a", harness.STRONG)[0], 200)
                st, _, body = lookup(c, ids[4], code)
                self.assertEqual((st, body.get("scope")), (429, "user_day"), body)
                c2 = harness.Client(srv)
                self.assertEqual(c2.sign_in("cb.a2", harness.STRONG)[0], 200)
                self.assertEqual(lookup(c2, ids[5], code)[0], 200)


class AgencyDay(unittest.TestCase):
    def test_agency_day_quota(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            pw = {"admin": harness.init_fast(data)["one_time_password"]}
            self.assertEqual(harness.run(["population", "generate", "--data", data, "--count", "50",
                                          "--seed", "3"]).returncode, 0)
            ids = harness.run(["population", "sample", "--data", data, "--count", "5"]).stdout.split()
            p = harness.run(["agency", "add", "--data", data, "--code", "SO.C", "--name", "C",
                             "--quota-per-day", "3"])
            self.assertEqual(p.returncode, 0, p.stderr)
            for u in ("cb.c1", "cb.c2"):
                p = harness.run(["user", "add", "--data", data, "--username", u, "--name", "Cán Bộ",
                                 "--agency", "SO.C", "--role", "officer", "--json"])
                pw[u] = json.loads(p.stdout)["one_time_password"]
            with harness.Server(data) as srv:
                c1 = harness.signed_in(srv, "cb.c1", pw["cb.c1"])
                c2 = harness.signed_in(srv, "cb.c2", pw["cb.c2"])
                code = c1.request("GET", "/api/v1/procedures")[2]["procedures"][0]["code"]
                self.assertEqual(lookup(c1, ids[0], code)[0], 200)
                self.assertEqual(lookup(c1, ids[1], code)[0], 200)
                st, _, body = lookup(c2, ids[2], code)
                self.assertEqual(st, 200, body)
                self.assertEqual(body["quota"]["agency_day"], {"limit": 3, "used": 3})
                st, hdrs, body = lookup(c2, ids[3], code)
                self.assertEqual((st, body["scope"]), (429, "agency_day"))
                self.assertTrue(hdrs.get("Retry-After"))


class KillNine(unittest.TestCase):
    def test_no_answered_lookup_is_lost(self):
        with harness.tempdir() as tmp:
            data, pw, ids = setup_instance(tmp, officers=[("cb%d" % i, "SO.A") for i in range(6)])
            conf = harness.config_path(data)
            harness.set_config(conf, "quota", "user_per_minute", "10000")
            harness.set_config(conf, "quota", "user_per_day", "100000")
            harness.set_config(conf, "quota", "agency_per_day", "1000000")
            harness.set_config(conf, "log", "level", "warn")
            srv = harness.Server(data, expect_exit=None).start()
            clients = [harness.signed_in(srv, "cb%d" % i, pw["cb%d" % i]) for i in range(6)]
            code = clients[0].request("GET", "/api/v1/procedures")[2]["procedures"][0]["code"]
            acked, lock, stop = [], threading.Lock(), threading.Event()

            def load(c, k):
                i = 0
                while not stop.is_set():
                    try:
                        st, _, body = lookup(c, ids[(k * 7 + i) % len(ids)], code)
                    except OSError:
                        return
                    if st == 200:
                        with lock:
                            acked.append(body["audit_seq"])
                    i += 1

            threads = [threading.Thread(target=load, args=(c, k)) for k, c in enumerate(clients)]
            for t in threads:
                t.start()
            time.sleep(2.0)
            srv.proc.send_signal(signal.SIGKILL)
            stop.set()
            for t in threads:
                t.join(10)
            srv.stop()
            self.assertGreater(len(acked), 20, "too few lookups answered to prove anything")
            p = harness.run(["audit", "verify", "--data", data])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            p = harness.run(["audit", "export", "--data", data])
            self.assertEqual(p.returncode, 0, p.stderr)
            logged = {}
            for line in p.stdout.splitlines():
                rec = json.loads(line)
                if "seq" in rec:
                    logged[rec["seq"]] = rec
            missing = [s for s in acked if s not in logged or logged[s]["type"] != "lookup"]
            self.assertEqual(missing, [])
            # and the server comes back on the same log
            with harness.Server(data) as srv2:
                c = harness.Client(srv2)
                self.assertEqual(c.sign_in("cb0", harness.STRONG)[0], 200)
                self.assertEqual(lookup(c, ids[0], code)[0], 200)


if __name__ == "__main__":
    unittest.main()
