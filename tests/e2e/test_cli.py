"""The command line: help and exit codes of API.md, `init` (permissions, refusals),
and `serve` (refusals that say what to do, plain HTTP off loopback, signals)."""

import json
import os
import signal
import sqlite3
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class Help(unittest.TestCase):
    def test_top_level_help(self):
        for flag in ["--help", "-h", "help"]:
            p = harness.run([flag])
            self.assertEqual(p.returncode, 0, flag)
            self.assertIn("Usage: canhgac", p.stdout)
            for cmd in ["init", "serve", "config", "version"]:
                self.assertIn(cmd, p.stdout)

    def test_no_command_is_usage(self):
        p = harness.run([])
        self.assertEqual(p.returncode, 2)
        self.assertIn("Usage", p.stderr)

    def test_unknown_command(self):
        p = harness.run(["frobnicate"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_subcommand_help(self):
        for cmd in ["init", "serve", "config"]:
            for flag in ["--help", "-h"]:
                p = harness.run([cmd, flag])
                self.assertEqual(p.returncode, 0, "%s %s: %s" % (cmd, flag, p.stderr))
                self.assertIn("Usage: canhgac " + cmd, p.stdout)
        p = harness.run(["config", "check", "--help"])
        self.assertEqual(p.returncode, 0)

    def test_version(self):
        for args in (["version"], ["--version"]):
            p = harness.run(args)
            self.assertEqual(p.returncode, 0)
            self.assertRegex(p.stdout, r"^canhgac \d+\.\d+\.\d+\n$")

    def test_unknown_option_is_usage(self):
        for cmd in ["init", "serve"]:
            p = harness.run([cmd, "--bogus"])
            self.assertEqual(p.returncode, 2, cmd)
            self.assertIn("--help", p.stderr)


class Init(unittest.TestCase):
    def test_init_without_data_is_usage(self):
        p = harness.run(["init"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--data", p.stderr)
        p = harness.run(["init", "--data"])
        self.assertEqual(p.returncode, 2)
        p = harness.run(["init", "--data", "/tmp/x", "extra"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("extra", p.stderr)

    def test_init_creates_private_files(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            out = harness.init(data)
            self.assertIsInstance(out, dict)
            self.assertEqual(mode(data), 0o700)
            self.assertEqual(mode(os.path.join(data, "audit")), 0o700)
            self.assertEqual(mode(os.path.join(data, "keys")), 0o700)
            self.assertEqual(mode(os.path.join(data, "keys", "audit.key")), 0o600)
            self.assertTrue(os.path.exists(os.path.join(data, "keys", "audit.pub")))
            self.assertEqual(mode(os.path.join(data, "canhgac.db")), 0o600)
            self.assertEqual(mode(os.path.join(data, "canhgac.conf")), 0o600)
            # the configuration written is valid
            p = harness.run(["config", "check", harness.config_path(data)])
            self.assertEqual(p.returncode, 0, p.stderr)
            # every migration applied and the instance facts recorded
            db = sqlite3.connect(os.path.join(data, "canhgac.db"))
            try:
                versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY 1")]
                self.assertEqual(versions, list(range(1, len(versions) + 1)))
                self.assertGreaterEqual(len(versions), 1)
                keys = {r[0] for r in db.execute("SELECT key FROM meta")}
                self.assertIn("initialised_at", keys)
            finally:
                db.close()

    def test_init_tightens_an_empty_existing_dir(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            os.mkdir(data, 0o755)
            os.chmod(data, 0o755)
            harness.init(data)
            self.assertEqual(mode(data), 0o700)

    def test_init_json_is_valid_for_odd_paths(self):
        with harness.tempdir() as tmp:
            data = os.path.join(tmp, 'quote"and\\backslash')
            out = harness.init(data)  # fails unless stdout is one valid JSON object
            self.assertIsInstance(out, dict)
            if "data" in out:
                self.assertEqual(out["data"], data)
            self.assertTrue(os.path.isfile(os.path.join(data, "canhgac.db")))

    def test_init_refuses_initialised_dir(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init(data)
            before = os.stat(os.path.join(data, "keys", "audit.key")).st_mtime_ns
            p = harness.run(["init", "--data", data])
            self.assertEqual(p.returncode, 1)
            self.assertIn("already initialised", p.stderr)
            self.assertEqual(os.stat(os.path.join(data, "keys", "audit.key")).st_mtime_ns, before)

    def test_init_refuses_non_empty_dir(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            os.mkdir(data)
            with open(os.path.join(data, "notes.txt"), "w") as f:
                f.write("mine\n")
            p = harness.run(["init", "--data", data])
            self.assertEqual(p.returncode, 1)
            self.assertIn("not empty", p.stderr)
            self.assertEqual(os.listdir(data), ["notes.txt"])

    def test_init_refuses_a_file(self):
        with harness.tempdir() as tmp:
            path = os.path.join(tmp, "file")
            open(path, "w").close()
            p = harness.run(["init", "--data", path])
            self.assertEqual(p.returncode, 1)
            self.assertIn("not a directory", p.stderr)


class Serve(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.tempdir()
        self.data = harness.data_dir(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def serve_refused(self, extra=(), listen="127.0.0.1:0"):
        """Runs serve expecting it to refuse to start; returns the CompletedProcess."""
        args = ["serve", "--data", self.data]
        if listen:
            args += ["--listen", listen]
        return harness.run(args + list(extra), timeout=15)

    def test_serve_without_data_is_usage(self):
        p = harness.run(["serve"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--data", p.stderr)

    def test_serve_uninitialised_dir(self):
        p = self.serve_refused()
        self.assertEqual(p.returncode, 1)
        self.assertIn("canhgac init", p.stderr)
        os.mkdir(self.data)
        p = self.serve_refused()
        self.assertEqual(p.returncode, 1)
        self.assertIn("canhgac init", p.stderr)

    def test_serve_without_database(self):
        harness.init(self.data)
        os.unlink(os.path.join(self.data, "canhgac.db"))
        p = self.serve_refused()
        self.assertEqual(p.returncode, 1)
        self.assertIn("canhgac init", p.stderr)

    def test_serve_bad_listen(self):
        harness.init(self.data)
        p = self.serve_refused(listen="nowhere")
        self.assertEqual(p.returncode, 1)
        self.assertIn("HOST:PORT", p.stderr)

    def test_serve_bad_config(self):
        harness.init(self.data)
        harness.set_config(harness.config_path(self.data), "quota", "user_per_day", "-5")
        p = self.serve_refused()
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, r"canhgac\.conf:\d+: \[quota\] user_per_day")

    def test_plain_http_off_loopback_refused(self):
        harness.init(self.data)
        for listen in ["0.0.0.0:0", "[::]:0"]:
            p = self.serve_refused(listen=listen)
            self.assertNotEqual(p.returncode, 0, listen)
            self.assertIn("loopback", p.stderr)
            self.assertIn("tls_cert", p.stderr)
            self.assertIn("trusted_proxies", p.stderr)
        # the same from the configuration file rather than --listen
        harness.set_config(harness.config_path(self.data), "server", "listen", "0.0.0.0:0")
        p = self.serve_refused(listen=None)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("loopback", p.stderr)

    def test_plain_http_off_loopback_behind_trusted_proxy(self):
        harness.init(self.data)
        harness.set_config(harness.config_path(self.data), "server", "trusted_proxies", "127.0.0.1/32")
        with harness.Server(self.data, listen="0.0.0.0:0") as srv:
            self.assertTrue(srv.url.startswith("http://0.0.0.0:"))
            status, _, body = srv.request("GET", "/healthz")
            self.assertEqual(status, 200)
            self.assertEqual(body["status"], "ok")

    def test_listen_line_and_port_zero(self):
        harness.init(self.data)
        with harness.Server(self.data) as srv:
            self.assertEqual(srv.scheme, "http")
            self.assertEqual(srv.host, "127.0.0.1")
            self.assertGreater(srv.port, 0)

    def test_ipv6_loopback(self):
        harness.init(self.data)
        try:
            with harness.Server(self.data, listen="[::1]:0") as srv:
                self.assertTrue(srv.url.startswith("http://[::1]:"))
                status, _, _ = srv.request("GET", "/healthz")
                self.assertEqual(status, 200)
        except harness.HarnessError as e:
            # a machine without IPv6 cannot bind ::1; anything else is a failure
            if "cannot listen" not in str(e):
                raise

    def stop_with(self, sig):
        harness.init(self.data)
        srv = harness.Server(self.data).start()
        try:
            status, _, _ = srv.request("GET", "/healthz")
            self.assertEqual(status, 200)
        finally:
            code = srv.stop(sig)
        if code != 0:
            srv.dump_stderr("canhgac serve stderr")
        self.assertEqual(code, 0)
        messages = [l.get("message") for l in srv.log_lines()]
        self.assertIn("stopped", messages)
        self.assertTrue(any(m and m.startswith("signal %d" % sig) for m in messages), messages)
        for line in srv.log_lines():
            for key in ("time", "level", "module", "message"):
                self.assertIn(key, line)
        return srv

    def test_sigterm_stops_cleanly(self):
        self.stop_with(signal.SIGTERM)

    def test_sigint_stops_cleanly(self):
        self.stop_with(signal.SIGINT)

    def test_sighup_does_not_stop(self):
        harness.init(self.data)
        with harness.Server(self.data) as srv:
            srv.proc.send_signal(signal.SIGHUP)
            status, _, _ = srv.request("GET", "/healthz")
            self.assertEqual(status, 200)
            self.assertIsNone(srv.proc.poll())

    def test_newer_database_refused(self):
        harness.init(self.data)
        dbpath = os.path.join(self.data, "canhgac.db")
        db = sqlite3.connect(dbpath)
        try:
            latest = db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
            with db:
                db.execute("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                           (latest + 1, "999_from_the_future.sql", 0))
        finally:
            db.close()
        p = self.serve_refused()
        self.assertEqual(p.returncode, 1)
        self.assertIn("schema version %d" % (latest + 1), p.stderr)
        self.assertIn("up to %d" % latest, p.stderr)
        self.assertIn("newer canhgac", p.stderr)   # says what to do
        self.assertIn("backup", p.stderr)

    def test_corrupt_database_refused(self):
        harness.init(self.data)
        dbpath = os.path.join(self.data, "canhgac.db")
        with open(dbpath, "wb") as f:
            f.write(b"\x00garbage, not SQLite\n" * 4096)
        p = self.serve_refused()
        self.assertEqual(p.returncode, 1)
        self.assertIn("canhgac.db", p.stderr)
        self.assertIn("backup", p.stderr)
        with open(dbpath, "rb") as f:  # left alone
            self.assertTrue(f.read().startswith(b"\x00garbage"))

    def test_damaged_header_refused(self):
        harness.init(self.data)
        dbpath = os.path.join(self.data, "canhgac.db")
        with open(dbpath, "r+b") as f:
            f.write(b"SQLite format 2\x00")  # the magic string, one digit wrong
        p = self.serve_refused()
        self.assertEqual(p.returncode, 1)
        self.assertIn("backup", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
