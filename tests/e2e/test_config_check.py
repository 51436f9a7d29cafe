"""`canhgac config check F`: 0 and `ok:` for a valid file; 1 and one `FILE:LINE:`
line per error, with the right lines, for a bad one; 1 for a missing file; 2 for
bad usage. `config default` prints a file that checks clean."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class ConfigCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, text, name="canhgac.conf"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_valid_file(self):
        path = self.write("; mine\n[server]\nlisten = 127.0.0.1:9090\n\n[quota]\nuser_per_day = 300\n"
                          "[dossier]\ncheck = verify\n")
        p = harness.run(["config", "check", path])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "ok: %s\n" % path)
        self.assertEqual(p.stderr, "")

    def test_format_mode_is_announced(self):
        # an upgraded file has no [dossier] section: it still checks (the desks keep
        # working) but says loudly that lookups are not bound to real dossiers
        for text in ("[quota]\nuser_per_day = 300\n", "[dossier]\ncheck = format\n"):
            path = self.write(text)
            p = harness.run(["config", "check", path])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("check = format", p.stderr)
            self.assertIn("NOT bound to real dossiers", p.stderr)
        path = self.write("[dossier]\ncheck = maybe\n")
        p = harness.run(["config", "check", path])
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s:2: [dossier] check: expected verify or format" % path, p.stderr)

    def test_init_writes_verify_and_officer_second_factor(self):
        data = harness.data_dir(self.tmp.name)
        harness.init(data)
        p = harness.run(["config", "check", harness.config_path(data)])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        with open(harness.config_path(data), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("\ncheck = verify\n", text)
        self.assertIn("\nrequired_roles = admin,agency_admin,officer\n", text)

    def test_default_file_checks_clean(self):
        p = harness.run(["config", "default"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("[server]", p.stdout)
        path = self.write(p.stdout)
        p = harness.run(["config", "check", path])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("ok:"))

    def test_three_errors_with_their_lines(self):
        path = self.write(
            "[server]\n"                    # 1
            "listen = 127.0.0.1:8080\n"     # 2
            "\n"                            # 3
            "[password]\n"                  # 4
            "min_length = 4\n"              # 5: out of range
            "require_upper = sometimes\n"   # 6: bad bool
            "; a comment\n"                 # 7
            "[lockout]\n"                   # 8
            "max_failure = 5\n"             # 9: unknown key
        )
        p = harness.run(["config", "check", path])
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 3, p.stderr)
        got = []
        for line in lines:
            m = re.match(r"^(.*):(\d+): (.+)$", line)
            self.assertIsNotNone(m, line)
            self.assertEqual(m.group(1), path)
            got.append((int(m.group(2)), m.group(3)))
        self.assertEqual([n for n, _ in got], [5, 6, 9])
        self.assertIn("min_length", got[0][1])
        self.assertIn("out of range", got[0][1])
        self.assertIn("true or false", got[1][1])
        self.assertIn("max_failure", got[2][1])

    def test_cross_key_error_names_a_line(self):
        path = self.write("[workhours]\nstart = 18:00\nend = 08:00\n")
        p = harness.run(["config", "check", path])
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, r"^%s:3: \[workhours\] end" % re.escape(path))

    def test_missing_file(self):
        path = os.path.join(self.tmp.name, "absent.conf")
        p = harness.run(["config", "check", path])
        self.assertEqual(p.returncode, 1)
        self.assertIn(path, p.stderr)
        self.assertIn("No such file", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_directory_is_not_a_config(self):
        p = harness.run(["config", "check", self.tmp.name])
        self.assertEqual(p.returncode, 1)
        self.assertNotIn("ok:", p.stdout)

    def test_usage(self):
        for args in (["config"], ["config", "check"], ["config", "check", "a", "b"],
                     ["config", "frob"], ["config", "default", "x"]):
            p = harness.run(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertTrue(p.stderr, args)
            self.assertEqual(p.stdout, "", args)


if __name__ == "__main__":
    unittest.main(verbosity=2)
