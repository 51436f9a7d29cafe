"""End-to-end: `canhgac fim baseline|check|accept` and `canhgac indicators export`
(issue 10). A temporary web root is baselined, checked clean, then given a web
shell (a harmless sample from tests/fixtures/webshells), a changed file, a chmod
and a deletion; accept makes it clean again. Hostile entries (a symlink loop, a
dangling symlink, a FIFO) are reported and never fatal; a file over the scan cap
is hashed, not scanned. The STIX bundle is checked for the properties STIX 2.1
requires and its identifier formats; the CSV for its columns."""

import csv
import io
import json
import os
import re
import shutil
import unittest

import harness

FIXTURES = os.path.join(harness.SOURCE_DIR, "tests", "fixtures", "webshells")
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
STIX_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class FimTest(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()
        t = self.tmp.name
        self.data = harness.data_dir(t)
        harness.init_fast(self.data)
        self.www = os.path.join(t, "www")
        write(os.path.join(self.www, "index.php"), "<?php require 'app.php'; echo render('home');\n")
        write(os.path.join(self.www, "app.php"),
              "<?php function render($v) { return htmlspecialchars($v); }\n")
        write(os.path.join(self.www, "js", "site.js"), "!function(){var a=1;console.log(a)}();\n")
        write(os.path.join(self.www, "uploads", "photo.jpg"), "\xff\xd8not really a jpeg")
        write(os.path.join(self.www, "cache", "x.tmp"), "excluded")

    def tearDown(self):
        self.tmp.cleanup()

    def fim(self, *args):
        return harness.run(["fim"] + list(args) + ["--data", self.data])

    def check_json(self):
        p = self.fim("check", "--json")
        lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        return p, lines

    def test_cycle(self):
        harness.set_config(harness.config_path(self.data), "fim", "exclude", "cache/*, *.swp")
        p = self.fim("baseline", "--root", self.www)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("4 files", p.stdout)
        p = self.fim("check")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout, "")

        shutil.copy(os.path.join(FIXTURES, "php_china_chopper.txt"),
                    os.path.join(self.www, "uploads", "s.php"))
        with open(os.path.join(self.www, "app.php"), "a") as f:
            f.write("// changed\n")
        os.chmod(os.path.join(self.www, "index.php"), 0o755)
        os.unlink(os.path.join(self.www, "js", "site.js"))
        write(os.path.join(self.www, "cache", "y.tmp"), "still excluded")

        p, found = self.check_json()
        self.assertEqual(p.returncode, 1, p.stderr)
        kinds = {(f["kind"], os.path.basename(f["path"])) for f in found}
        self.assertEqual(kinds, {("added", "s.php"), ("webshell", "s.php"), ("changed", "app.php"),
                                 ("mode", "index.php"), ("removed", "site.js")})
        shell = [f for f in found if f["kind"] == "webshell"][0]
        self.assertIn("php_china_chopper", shell["rule"].split(","))
        self.assertIn("script_in_upload_dir", shell["rule"].split(","))
        self.assertRegex(shell["sha256"], r"^[0-9a-f]{64}$")
        for f in found:
            self.assertEqual(set(f) - {"rule"}, {"kind", "path", "sha256"})

        p = self.fim("check")
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stdout, r"(?m)^webshell \S+/uploads/s\.php rule=\S+ sha256=[0-9a-f]{64}$")

        p = self.fim("accept", self.www)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.fim("check")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        audit = harness.run(["audit", "verify", "--data", self.data])
        self.assertEqual(audit.returncode, 0, audit.stdout + audit.stderr)

        # indicators: the web shell's hash, in STIX and CSV
        p = harness.run(["indicators", "export", "--data", self.data])
        self.assertEqual(p.returncode, 0, p.stderr)
        bundle = json.loads(p.stdout)
        self.assertEqual(bundle["type"], "bundle")
        self.assertRegex(bundle["id"], "^bundle--" + UUID4 + "$")
        idents = [o for o in bundle["objects"] if o["type"] == "identity"]
        inds = [o for o in bundle["objects"] if o["type"] == "indicator"]
        self.assertEqual(len(idents), 1)
        self.assertEqual(len(inds), 1)
        for o in idents + inds:
            self.assertEqual(o["spec_version"], "2.1")
            self.assertRegex(o["id"], "^%s--%s$" % (o["type"], UUID4))
            self.assertRegex(o["created"], STIX_TIME)
            self.assertRegex(o["modified"], STIX_TIME)
        ind = inds[0]
        self.assertEqual(ind["pattern_type"], "stix")
        self.assertEqual(ind["pattern"], "[file:hashes.'SHA-256' = '%s']" % shell["sha256"])
        self.assertRegex(ind["valid_from"], STIX_TIME)
        self.assertEqual(ind["created_by_ref"], idents[0]["id"])

        p = harness.run(["indicators", "export", "--data", self.data, "--format", "csv"])
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = list(csv.reader(io.StringIO(p.stdout)))
        self.assertEqual(rows[0], ["type", "value", "first_seen", "source", "description"])
        self.assertEqual(rows[1][:2], ["file-sha256", shell["sha256"]])
        self.assertEqual(rows[1][3], "fim")
        p = harness.run(["indicators", "export", "--data", self.data, "--format", "csv",
                         "--since", "2999-01-01T00:00:00Z"])
        self.assertEqual(p.stdout.splitlines(), ["type,value,first_seen,source,description"])
        p = harness.run(["indicators", "export", "--data", self.data, "--format", "xml"])
        self.assertEqual(p.returncode, 2)

    def test_hostile_entries_are_reported_not_fatal(self):
        os.symlink("loop_b", os.path.join(self.www, "loop_a"))
        os.symlink("loop_a", os.path.join(self.www, "loop_b"))
        os.symlink("/nonexistent/target", os.path.join(self.www, "dangling"))
        os.mkfifo(os.path.join(self.www, "pipe"))
        p = self.fim("baseline", "--root", self.www)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("loop_a: symbolic link loop", p.stderr)
        self.assertIn("dangling: dangling symbolic link", p.stderr)
        self.assertIn("pipe: named pipe", p.stderr)
        # a big file: hashed (so changes are seen) but not scanned
        big = os.path.join(self.www, "uploads", "video.bin")
        with open(big, "wb") as f:
            f.write(b"<?php @eval($_POST[exit()]);?>" + b"\0" * (9 * 1024 * 1024))
        p, found = self.check_json()
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual([(f["kind"], os.path.basename(f["path"])) for f in found],
                         [("added", "video.bin")])
        self.assertIn("video.bin: larger than the scan cap", p.stderr)
        self.assertIn("1 not scanned", p.stderr)

    def test_usage(self):
        self.assertEqual(harness.run(["fim"]).returncode, 2)
        self.assertEqual(harness.run(["fim", "frobnicate", "--data", self.data]).returncode, 2)
        self.assertEqual(self.fim("accept").returncode, 2)
        self.assertEqual(self.fim("check", "extra").returncode, 2)
        p = self.fim("check")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no baseline", p.stderr)
        p = self.fim("accept", "/etc/hostname")
        self.assertEqual(p.returncode, 1)
        self.assertIn("under no baselined root", p.stderr)


if __name__ == "__main__":
    unittest.main()
