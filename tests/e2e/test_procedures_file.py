"""[lookup] procedures_file: an operator's own procedure catalogue. A valid file
is used by `serve` instead of the shipped one (GET /procedures lists it; a lookup
under its procedure answers only its fields; a shipped code it does not list is
unknown_procedure). A bad file (JSON syntax, unknown field, missing file) is a
configuration error naming the setting and the line or the procedure and field,
from `config check` and from `serve`, which does not start."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_lookups import lookup, setup_instance  # noqa: E402

OWN = [{"code": "9.000001", "name": "Thủ tục riêng của tỉnh", "name_en": "The province's own procedure",
        "fields": ["citizen_id", "full_name"]}]


class ProceduresFile(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def check(self, procedures_path):
        conf = self.write("canhgac.conf", "[lookup]\nprocedures_file = %s\n" % procedures_path)
        return conf, harness.run(["config", "check", conf])

    def test_valid_file_checks_clean(self):
        conf, p = self.check(self.write("own.json", json.dumps(OWN, ensure_ascii=False)))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "ok: %s\n" % conf)

    def test_bad_files_are_config_errors(self):
        bad_json = self.write("syntax.json", '[\n  {"code": "9.000001",\n   "name": oops}\n]\n')
        conf, p = self.check(bad_json)
        self.assertEqual(p.returncode, 1)
        self.assertIn("[lookup] procedures_file", p.stderr)
        self.assertIn("line 3", p.stderr)
        bad_field = [dict(OWN[0], fields=["citizen_id", "blood_type"])]
        conf, p = self.check(self.write("field.json", json.dumps(bad_field)))
        self.assertEqual(p.returncode, 1)
        self.assertIn("[lookup] procedures_file", p.stderr)
        self.assertIn("9.000001", p.stderr)
        self.assertIn("blood_type", p.stderr)
        conf, p = self.check(os.path.join(self.tmp.name, "missing.json"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot open", p.stderr)

    def test_serve_uses_the_file_and_refuses_a_bad_one(self):
        data, pw, ids = setup_instance(self.tmp.name, population=60)
        conf = harness.config_path(data)
        own = self.write("own.json", json.dumps(OWN, ensure_ascii=False))
        harness.set_config(conf, "lookup", "procedures_file", own)
        with harness.Server(data) as srv:
            c = harness.signed_in(srv, "cb.a", pw["cb.a"])
            st, _, body = c.request("GET", "/api/v1/procedures")
            self.assertEqual(st, 200, body)
            self.assertEqual([p["code"] for p in body["procedures"]], ["9.000001"])
            st, _, body = lookup(c, ids[0], "9.000001")
            self.assertEqual(st, 200, body)
            self.assertEqual(set(body["citizen"]), {"citizen_id", "full_name"})
            st, _, body = lookup(c, ids[0], "1.001193")  # shipped, but not in the file
            self.assertEqual((st, body["error"]), (400, "unknown_procedure"))
        self.write("own.json", json.dumps([dict(OWN[0], fields=["full_name", "full_name"])]))
        p = harness.run(["serve", "--data", data, "--listen", "127.0.0.1:0"], timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("[lookup] procedures_file", p.stderr)
        self.assertIn("listed twice", p.stderr)


if __name__ == "__main__":
    unittest.main()
