"""Purpose-bound lookups over HTTP and the dossier store from the command line
(issue 17): `dossier import` of CSV and JSON lines stores all rows or none and
names the bad line, a re-import updates instead of duplicating, an import beside
a running server goes through the server (audited, the same checks); POST
/api/v1/dossiers pushes dossiers and refuses a bad one with the field named;
GET /api/v1/dossiers shows an officer only their agency's and their assigned
dossiers; each refusal of the purpose binding is its own 403, audited with its
reason, keeps its quota and carries no citizen data."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_lookups import setup_instance  # noqa: E402

HEADER = "code,procedure_code,agency,status,received_at,closed_at,persons,officers\n"


def row(code, procedure, agency, status, persons, closed="", officers=""):
    return "%s,%s,%s,%s,2026-11-20,%s,\"%s\",%s\n" % (code, procedure, agency, status, closed,
                                                      ";".join("%s:%s" % p for p in persons), officers)


class Dossiers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data, cls.pw, cls.ids = setup_instance(cls.tmp.name)
        harness.verify_dossiers(cls.data)
        # this test walks every refusal code with one officer; containment after a
        # few refusals (the default 3) is test_simulate.py's
        harness.set_config(harness.config_path(cls.data), "detect", "dossier_refusals_count", "20")
        p = harness.run(["config", "check", harness.config_path(cls.data)])
        assert p.returncode == 0 and p.stderr == "", p.stderr
        cls.srv = None
        cls.tokens = {}
        for name, scopes, agency in (("motcua", "dossiers:write", None), ("motcua.b", "dossiers:write", "SO.B"),
                                     ("ncsc", "indicators:read", None)):
            args = ["service", "add", "--data", cls.data, "--name", name, "--scopes", scopes, "--json"]
            p = harness.run(args + (["--agency", agency] if agency else []))
            assert p.returncode == 0, p.stderr
            cls.tokens[name] = json.loads(p.stdout)["token"]

    @classmethod
    def tearDownClass(cls):
        if cls.srv:
            cls.srv.stop()
        cls.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def listed(self, agency):
        p = harness.run(["dossier", "list", "--data", self.data, "--agency", agency, "--limit", "1000", "--json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        return {d["code"]: d for d in json.loads(p.stdout)}

    def test_all(self):
        # one server for the whole story; the steps depend on each other
        ids = self.ids
        proc, proc2 = "1.001022", "1.004873"  # two procedures of data/procedures.json
        # -- import without a server: CSV, then a re-import that updates ---------
        csv = HEADER + row("SO.A-261120-0000001", proc, "SO.A", "processing", [(ids[0], "applicant"), (ids[1], "subject")]) \
            + row("SO.A-261120-0000002", proc, "SO.A", "closed", [(ids[2], "applicant")], closed="2026-11-21") \
            + row("SO.B-261120-0000003", proc, "SO.B", "received", [(ids[3], "applicant")], officers="cb.a")
        p = harness.run(["dossier", "import", "--data", self.data, self.write("a.csv", csv), "--json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        res = json.loads(p.stdout)
        self.assertEqual((res["rows"], res["inserted"], res["updated"]), (3, 3, 0))
        csv2 = HEADER + row("SO.A-261120-0000001", proc, "SO.A", "awaiting_supplement",
                            [(ids[0], "applicant"), (ids[1], "subject"), (ids[4], "guardian")])
        p = harness.run(["dossier", "import", "--data", self.data, self.write("b.csv", csv2), "--json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["updated"], 1)
        a = self.listed("SO.A")
        self.assertEqual(sorted(a), ["SO.A-261120-0000001", "SO.A-261120-0000002"])
        self.assertEqual(a["SO.A-261120-0000001"]["status"], "awaiting_supplement")
        self.assertEqual(len(a["SO.A-261120-0000001"]["persons"]), 3)

        # a bad line 3 of a JSON-lines file: refused whole, the line named
        good = {"code": "SO.A-261120-0000010", "procedure_code": proc, "agency": "SO.A", "status": "received",
                "received_at": "2026-11-22", "persons": [{"citizen_id": ids[5], "role": "applicant"}]}
        bad = dict(good, code="SO.A-261120-0000011", agency="SO.NOWHERE")
        text = json.dumps(good) + "\n\n" + json.dumps(bad) + "\n"
        p = harness.run(["dossier", "import", "--data", self.data, self.write("c.jsonl", text)])
        self.assertEqual(p.returncode, 1)
        self.assertIn("line 3: agency: 'SO.NOWHERE' is not a known agency", p.stderr)
        self.assertIn("nothing was imported", p.stderr)
        self.assertNotIn("SO.A-261120-0000010", self.listed("SO.A"))
        p = harness.run(["dossier", "import", "--data", self.data, os.path.join(self.tmp.name, "absent.csv")])
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot read", p.stderr)
        p = harness.run(["dossier", "import", "--data", self.data])
        self.assertEqual(p.returncode, 2)

        # -- a server; an import beside it goes through it ----------------------
        self.__class__.srv = srv = harness.Server(self.data).start()
        p = harness.run(["dossier", "import", "--data", self.data, self.write("d.jsonl", json.dumps(good) + "\n"),
                         "--json"], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        spooled = json.loads(p.stdout)
        self.assertEqual((spooled["rows"], spooled["inserted"]), (1, 1))
        p = harness.run(["dossier", "import", "--data", self.data, self.write("e.jsonl", json.dumps(bad) + "\n")],
                        timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("line 1: agency", p.stderr)

        admin = harness.signed_in(srv, "admin", self.pw["admin"])
        st, _, body = admin.request("GET", "/api/v1/audit?type=dossier_import")
        self.assertEqual(st, 200, body)
        seqs = [r["seq"] for r in body["records"]]
        self.assertIn(spooled["audit_seq"], seqs)
        rec = [r for r in body["records"] if r["seq"] == spooled["audit_seq"]][0]
        self.assertTrue(rec["actor"].startswith("cli:"), rec)
        self.assertEqual(rec["payload"]["rows"], 1)
        self.assertEqual(len(seqs), 3)  # two direct imports and the spooled one; refusals write nothing

        # -- the push API ---------------------------------------------------------
        pushed = dict(good, code="SO.B-261120-0000020", agency="SO.B",
                      persons=[{"citizen_id": ids[6], "role": "applicant"}])
        st, _, body = admin.request("POST", "/api/v1/dossiers", {"dossiers": [pushed]})
        self.assertEqual(st, 200, body)
        self.assertEqual((body["rows"], body["inserted"]), (1, 1))
        st, _, body = admin.request("POST", "/api/v1/dossiers", dict(pushed, status="closed"))
        self.assertEqual((st, body.get("error")), (400, "invalid_dossier"), body)
        self.assertIn("closed_at: required when the status is closed", body["detail"])
        st, _, body = admin.request("POST", "/api/v1/dossiers",
                                    {"dossiers": [pushed, dict(pushed, code="SO.B-261120-0000021",
                                                               persons=[{"citizen_id": "1", "role": "x"}])]})
        self.assertEqual(st, 400, body)
        self.assertTrue(body["detail"].startswith("dossiers[1]: persons[0].citizen_id"), body)
        st, _, body = admin.request("POST", "/api/v1/dossiers", {"dossiers": []})
        self.assertEqual(st, 400, body)

        # the one-stop system pushes with its service token (no cookie, no CSRF)
        def push(token, body):
            return srv.request("POST", "/api/v1/dossiers", body,
                               headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        via_service = dict(pushed, code="SO.B-261120-0000022")
        st, _, body = push(self.tokens["motcua"], via_service)
        self.assertEqual((st, body.get("inserted")), (200, 1), body)
        st, _, body = push(self.tokens["motcua.b"], dict(via_service, code="SO.A-261120-0000023", agency="SO.A"))
        self.assertEqual((st, body.get("error")), (400, "invalid_dossier"), body)
        self.assertIn("may write dossiers of SO.B only", body["detail"])
        st, _, body = push(self.tokens["ncsc"], via_service)
        self.assertEqual((st, body.get("error")), (403, "insufficient_scope"), body)
        st, _, body = push("cgs_" + "A" * 43, via_service)
        self.assertEqual(st, 401, body)
        st, _, body = srv.request("GET", "/api/v1/dossiers",
                                  headers={"Authorization": "Bearer " + self.tokens["motcua"]})
        self.assertEqual(st, 403, body)  # a service lists nothing; it is not a desk
        st, _, body = admin.request("GET", "/api/v1/audit?type=dossier_import&actor=motcua")
        self.assertEqual(len(body["records"]), 1, body)

        # -- what each officer sees ---------------------------------------------
        cb = harness.signed_in(srv, "cb.a", self.pw["cb.a"])
        cbb = harness.signed_in(srv, "cb.b", self.pw["cb.b"])
        st, _, body = cb.request("POST", "/api/v1/dossiers", pushed)
        self.assertEqual(st, 403, body)
        st, _, body = cb.request("GET", "/api/v1/dossiers?status=open")
        self.assertEqual(st, 200, body)
        seen = {d["code"] for d in body["dossiers"]}
        self.assertEqual(seen, {"SO.A-261120-0000001", "SO.A-261120-0000010", "SO.B-261120-0000003"})
        self.assertTrue(body["verified"])
        st, _, body = cb.request("GET", "/api/v1/dossiers?status=all&q=" + ids[2])
        self.assertEqual([d["code"] for d in body["dossiers"]], ["SO.A-261120-0000002"])
        st, _, body = cb.request("GET", "/api/v1/dossiers?agency=SO.B")
        self.assertEqual(st, 403, body)
        st, _, body = cb.request("GET", "/api/v1/dossiers/SO.B-261120-0000020")
        self.assertEqual(st, 404, body)  # another agency's, the same answer as none
        st, _, body = cb.request("GET", "/api/v1/dossiers/SO.B-261120-0000003")
        self.assertEqual(st, 200, body)  # another agency's that names cb.a
        st, _, body = cbb.request("GET", "/api/v1/dossiers/SO.B-261120-0000020")
        self.assertEqual((st, body["persons"][0]["citizen_id"]), (200, ids[6]))
        st, _, body = cb.request("GET", "/api/v1/dossiers?limit=0")
        self.assertEqual(st, 400, body)

        # -- lookups: allowed inside the dossier, each refusal its own 403 ----------
        def lookup(c, citizen, dossier, procedure=proc):
            return c.request("POST", "/api/v1/lookups",
                             {"citizen_id": citizen, "dossier_code": dossier, "procedure_code": procedure})

        st, _, body = lookup(cb, ids[4], "SO.A-261120-0000001")
        self.assertEqual(st, 200, body)
        used = body["quota"]["day"]["used"]
        self.assertEqual(used, 1)
        cases = [
            (ids[0], "SO.A-261120-0009999", proc, "dossier_not_found"),
            (ids[2], "SO.A-261120-0000002", proc, "dossier_closed"),
            (ids[0], "SO.A-261120-0000001", proc2, "dossier_procedure_mismatch"),
            (ids[6], "SO.B-261120-0000020", proc, "dossier_other_agency"),
            (ids[7], "SO.A-261120-0000001", proc, "citizen_not_in_dossier"),
        ]
        for citizen, dossier, procedure, code in cases:
            st, _, body = lookup(cb, citizen, dossier, procedure)
            self.assertEqual((st, body["error"]), (403, code), body)
            self.assertNotIn("citizen", body)
            used += 1
            self.assertEqual(body["quota"]["day"]["used"], used, code)  # the quota is kept
            self.assertTrue(body["message"])
        # another agency's dossier that names the officer
        st, _, body = lookup(cb, ids[3], "SO.B-261120-0000003")
        self.assertEqual(st, 200, body)
        # every refusal is in the audit with its reason
        st, _, body = admin.request("GET", "/api/v1/audit?type=lookup&actor=cb.a&limit=20")
        outcomes = [r["payload"]["outcome"] for r in body["records"]]
        for _, _, _, code in cases:
            self.assertIn(code, outcomes)
        st, _, me = cb.request("GET", "/api/v1/me")
        self.assertEqual(me["dossier_check"], "verify")
        st, _, health = srv.request("GET", "/healthz")
        self.assertEqual((health["dossier_check"], health["warnings"]), ("verify", []))
        srv.stop()
        self.__class__.srv = None
        p = harness.run(["audit", "verify", "--data", self.data])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
