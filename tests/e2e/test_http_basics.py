"""HTTP basics against a real server: /healthz, the JSON error body of the API for
404, 405 and 413 (announced and chunked), the security headers on every answer,
English messages on request, and HTTPS with HSTS.

Malformed JSON and a wrong Content-Type need a route that reads a JSON body;
those tests arrive with POST /api/v1/session.
"""

import http.client
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CSP_REQUIRED = ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]


class HttpBasics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.data = harness.data_dir(cls.tmp.name)
        harness.init(cls.data)
        cls.srv = harness.Server(cls.data).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        if code != 0:
            cls.srv.dump_stderr("canhgac serve stderr")
            raise AssertionError("canhgac serve exited %s on SIGTERM" % code)

    def assertSecurityHeaders(self, headers, what):
        csp = headers.get("Content-Security-Policy")
        self.assertIsNotNone(csp, "%s: no Content-Security-Policy" % what)
        for part in CSP_REQUIRED:
            self.assertIn(part, csp, "%s: CSP lacks %s" % (what, part))
        self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff", what)
        self.assertEqual(headers.get("X-Frame-Options"), "DENY", what)
        self.assertEqual(headers.get("Referrer-Policy"), "no-referrer", what)
        self.assertEqual(headers.get("Cache-Control"), "no-store", what)
        # plain HTTP: no HSTS (it would be ignored, and is wrong on http://)
        self.assertIsNone(headers.get("Strict-Transport-Security"), what)

    def assertErrorBody(self, body, code):
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body.get("error"), code, body)
        self.assertIsInstance(body.get("message"), str, body)
        self.assertTrue(body["message"], body)

    def test_healthz(self):
        status, headers, body = self.srv.request("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body.get("status"), "ok")
        self.assertTrue(headers.get("Content-Type", "").startswith("application/json"))
        self.assertSecurityHeaders(headers, "200")

    def test_healthz_head(self):
        status, headers, body = self.srv.request("HEAD", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body, "")
        self.assertSecurityHeaders(headers, "HEAD 200")

    def test_healthz_with_query(self):
        status, _, body = self.srv.request("GET", "/healthz?probe=1")
        self.assertEqual(status, 200)
        self.assertEqual(body.get("status"), "ok")

    def test_unknown_route_404(self):
        # "/" is the console (h_static.c); unknown and traversing asset names are 404.
        for path in ["/nope", "/api/v1/does-not-exist", "/healthz/extra", "/static/nope.js",
                     "/static/..%2Fcanhgac.conf", "/static/index.html/x"]:
            status, headers, body = self.srv.request("GET", path)
            self.assertEqual(status, 404, path)
            self.assertErrorBody(body, "not_found")
            self.assertSecurityHeaders(headers, "404 " + path)

    def test_wrong_method_405(self):
        for method in ["POST", "DELETE", "PUT", "PATCH"]:
            status, headers, body = self.srv.request(method, "/healthz", raw=b"")
            self.assertEqual(status, 405, method)
            self.assertErrorBody(body, "method_not_allowed")
            self.assertEqual(headers.get("Allow"), "GET", method)
            self.assertSecurityHeaders(headers, "405 " + method)

    def test_vietnamese_by_default_english_on_request(self):
        _, _, vi = self.srv.request("GET", "/nope")
        _, _, en = self.srv.request("GET", "/nope", headers={"Accept-Language": "en-US,en;q=0.9"})
        self.assertEqual(en["message"], "There is nothing at this address.")
        self.assertNotEqual(vi["message"], en["message"])
        self.assertIn("Không", vi["message"])
        _, _, vi2 = self.srv.request("GET", "/nope", headers={"Accept-Language": "vi,en"})
        self.assertEqual(vi2["message"], vi["message"])
        status, _, en405 = self.srv.request("POST", "/healthz", raw=b"",
                                            headers={"Accept-Language": "en"})
        self.assertEqual(status, 405)
        self.assertEqual(en405["message"], "This method is not allowed on this address.")

    def test_oversized_body_413(self):
        body = b"{" + b" " * (64 * 1024) + b"}"
        status, headers, answer = self.srv.request(
            "POST", "/healthz", raw=body, headers={"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertErrorBody(answer, "payload_too_large")
        self.assertSecurityHeaders(headers, "413")

    def test_announced_huge_body_refused_before_reading(self):
        # Only the headers are sent: the answer must come without the body.
        conn = self.srv.connection(timeout=5)
        try:
            conn.putrequest("POST", "/api/v1/anything")
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(10 * 1024 * 1024 * 1024))
            conn.putheader("Accept-Language", "en")
            conn.endheaders()
            resp = conn.getresponse()
            body = harness.Server._decode(resp.headers, resp.read())
        finally:
            conn.close()
        self.assertEqual(resp.status, 413)
        self.assertErrorBody(body, "payload_too_large")
        self.assertIn("64 KiB", body["message"])
        self.assertSecurityHeaders(resp.headers, "413 announced")

    def test_body_at_limit_is_read(self):
        # exactly 64 KiB is allowed: the route answers (405 here), not 413
        status, _, body = self.srv.request("POST", "/healthz", raw=b"x" * (64 * 1024))
        self.assertEqual(status, 405)
        self.assertErrorBody(body, "method_not_allowed")

    def test_chunked_body_over_limit_413(self):
        def chunks():
            for _ in range(80):
                yield b"y" * 1024
        conn = self.srv.connection(timeout=5)
        try:
            conn.request("POST", "/api/v1/anything", body=chunks(),
                         headers={"Content-Type": "application/json",
                                  "Transfer-Encoding": "chunked"},
                         encode_chunked=True)
            resp = conn.getresponse()
            body = harness.Server._decode(resp.headers, resp.read())
        finally:
            conn.close()
        self.assertEqual(resp.status, 413)
        self.assertErrorBody(body, "payload_too_large")
        self.assertSecurityHeaders(resp.headers, "413 chunked")

    def test_small_chunked_body_is_read(self):
        def chunks():
            yield b"{"
            yield b"}"
        conn = self.srv.connection(timeout=5)
        try:
            conn.request("POST", "/healthz", body=chunks(),
                         headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
            resp = conn.getresponse()
            resp.read()
        finally:
            conn.close()
        self.assertEqual(resp.status, 405)

    def test_keep_alive_serves_several_requests(self):
        conn = self.srv.connection()
        try:
            for path, want in [("/healthz", 200), ("/nope", 404), ("/healthz", 200)]:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, want, path)
        finally:
            conn.close()

    def test_requests_are_logged(self):
        self.srv.request("GET", "/healthz?secret=do-not-log")
        logged = [l for l in self.srv.log_lines() if l.get("message") == "request"]
        self.assertTrue(logged)
        for line in logged:
            for key in ("time", "level", "module", "method", "path", "status"):
                self.assertIn(key, line)
        # the path is logged without its query string
        self.assertNotIn("do-not-log", self.srv.stderr_text())


def have_cert_tool():
    return shutil.which("openssl") or shutil.which("certtool")


class Https(unittest.TestCase):
    def test_tls_healthz_with_hsts(self):
        self.assertTrue(have_cert_tool(),
                        "openssl (or certtool) is needed: scripts/install-deps.sh installs it")
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init(data)
            cert, key = harness.make_self_signed_cert(tmp)
            conf = harness.config_path(data)
            harness.set_config(conf, "server", "tls_cert", cert)
            harness.set_config(conf, "server", "tls_key", key)
            with harness.Server(data) as srv:
                self.assertEqual(srv.scheme, "https")
                self.assertTrue(srv.url.startswith("https://127.0.0.1:"))
                status, headers, body = srv.request("GET", "/healthz")
                self.assertEqual(status, 200)
                self.assertEqual(body.get("status"), "ok")
                hsts = headers.get("Strict-Transport-Security")
                self.assertIsNotNone(hsts)
                self.assertIn("max-age=", hsts)
                self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
                status, headers, body = srv.request("GET", "/nope")
                self.assertEqual(status, 404)
                self.assertIsNotNone(headers.get("Strict-Transport-Security"))
                # plain HTTP to the TLS port gets no answer of ours
                conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
                try:
                    conn.request("GET", "/healthz")
                    resp = conn.getresponse()
                    self.assertNotEqual(resp.status, 200)
                except (OSError, http.client.HTTPException):
                    pass
                finally:
                    conn.close()

    def test_tls_bad_key_refused(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init(data)
            cert, key = harness.make_self_signed_cert(tmp)
            with open(key, "w") as f:
                f.write("not a key\n")
            conf = harness.config_path(data)
            harness.set_config(conf, "server", "tls_cert", cert)
            harness.set_config(conf, "server", "tls_key", key)
            p = harness.run(["serve", "--data", data, "--listen", "127.0.0.1:0"], timeout=15)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("TLS", p.stderr)

    def test_tls_missing_cert_file_refused(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init(data)
            conf = harness.config_path(data)
            harness.set_config(conf, "server", "tls_cert", os.path.join(tmp, "missing.crt"))
            harness.set_config(conf, "server", "tls_key", os.path.join(tmp, "missing.key"))
            p = harness.run(["serve", "--data", data, "--listen", "127.0.0.1:0"], timeout=15)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("missing.crt", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
