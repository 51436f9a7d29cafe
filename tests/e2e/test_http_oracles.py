"""What a request may not be, and what an error may not say (issue 18): an empty
or broken JSON body is described in words, never with the parser's internals or
uninitialised numbers; an encoded NUL anywhere in the request target is 400 (it
cut the path short: /static/core.js%00.html served core.js, /api/v1/me%00x
routed as /api/v1/me); two different Content-Length headers, or Content-Length
beside Transfer-Encoding: chunked, are 400 and the connection is closed
(RFC 9112 §6.3), so a proxy and the server cannot split the stream differently.
"""

import os
import re
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def raw_exchange(srv, data):
    """Sends `data` on a new socket and reads until the server closes it or 5 s
    pass quietly; returns (all bytes read, closed by the server)."""
    s = socket.create_connection((srv.host, srv.port), timeout=5)
    try:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return got, False
            if not chunk:
                return got, True
            got += chunk
    finally:
        s.close()


class Oracles(unittest.TestCase):
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

    def test_empty_json_body_said_in_words(self):
        for raw in ("", "{", "[1, 2", "{\"a\": 1, \"a\": 2}"):
            status, _, body = self.srv.request("POST", "/api/v1/session", raw=raw,
                                               headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, raw)
            self.assertEqual(body["error"], "invalid_request", raw)
            detail = body["detail"]
            # a line number past the body's own lines is memory, not the body
            for n in re.findall(r"line (\d+)", detail):
                self.assertLessEqual(int(n), raw.count("\n") + 1, detail)
            for n in re.findall(r"column (\d+)", detail):
                self.assertLessEqual(int(n), len(raw) + 1, detail)
            self.assertNotIn("near", detail)  # jansson's own text
        _, _, body = self.srv.request("POST", "/api/v1/session", raw="",
                                      headers={"Content-Type": "application/json"})
        self.assertIn("empty", body["detail"])

    def test_encoded_nul_in_target_refused(self):
        for path in ("/static/core.js%00.html", "/api/v1/me%00x", "/healthz%00",
                     "/healthz?x=%00"):
            status, headers, body = self.srv.request("GET", path)
            self.assertEqual(status, 400, path)
            self.assertEqual(body["error"], "invalid_request", path)
            self.assertIn("NUL", body["detail"])
            self.assertIsNotNone(headers.get("Content-Security-Policy"))
        # the same paths without it are still served
        self.assertEqual(self.srv.request("GET", "/healthz")[0], 200)

    def test_two_content_lengths_refused_and_closed(self):
        body = b'{"username": "a", "password": "b"}'
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body) + 5)) + body
        got, closed = raw_exchange(self.srv, req + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(got.startswith(b"HTTP/1.1 400"), got[:200])
        self.assertIn(b"Content-Length", got)
        self.assertTrue(closed, "the connection was kept open")
        self.assertEqual(got.count(b"HTTP/1.1 "), 1, "a second request was answered on it")

    def test_content_length_with_chunked_refused_and_closed(self):
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"4\r\n{}{}\r\n0\r\n\r\n")
        got, closed = raw_exchange(self.srv, req + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(got.startswith(b"HTTP/1.1 400"), got[:200])
        self.assertTrue(closed, "the connection was kept open")
        self.assertEqual(got.count(b"HTTP/1.1 "), 1, "a second request was answered on it")

    def test_one_content_length_still_fine(self):
        body = b'{"username": "nobody", "password": "x"}'
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body
        got, _ = raw_exchange(self.srv, req)
        self.assertTrue(got.startswith(b"HTTP/1.1 401"), got[:200])


if __name__ == "__main__":
    unittest.main()
