"""Lookups against the one-stop system as the dossier backend (issue 17), over
HTTP end to end: `[dossier] backend = upstream` asks a small one-stop server the
test starts on loopback for each dossier; a dossier it confirms allows the
lookup, one it does not know is 403 dossier_not_found (audited, quota kept), and
when it fails (an error answer, or nobody listening) the lookup fails closed: 503
dossier_unavailable, audited, no citizen data, the quota given back."""

import json
import os
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_lookups import setup_instance  # noqa: E402

PROC = "1.001022"


class OneStop(BaseHTTPRequestHandler):
    dossiers = {}

    def do_GET(self):
        code = self.path.rsplit("/", 1)[-1]
        if code.endswith("-0000500"):
            self.send_response(500)
            self.end_headers()
            return
        d = self.dossiers.get(code)
        body = json.dumps(d).encode() if d else b'{"error": "no such dossier"}'
        self.send_response(200 if d else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class DossiersUpstream(unittest.TestCase):
    def test_upstream_dossier_backend(self):
        with harness.tempdir() as tmp:
            data, pw, ids = setup_instance(tmp)
            onestop = ThreadingHTTPServer(("127.0.0.1", 0), OneStop)
            threading.Thread(target=onestop.serve_forever, daemon=True).start()
            OneStop.dossiers = {"SO.A-261120-0000001": {
                "code": "SO.A-261120-0000001", "procedure_code": PROC, "agency": "SO.A",
                "status": "processing", "received_at": "2026-11-20",
                "persons": [{"citizen_id": ids[0], "role": "applicant"}]}}
            conf = harness.config_path(data)
            for key, value in (("check", "verify"), ("backend", "upstream"),
                               ("upstream_url", "http://127.0.0.1:%d/api/dossiers" % onestop.server_port),
                               ("upstream_timeout_ms", "10000"), ("cache_seconds", "0")):
                harness.set_config(conf, "dossier", key, value)
            harness.set_config(conf, "detect", "dossier_refusals_count", "20")
            try:
                with harness.Server(data) as srv:
                    cb = harness.signed_in(srv, "cb.a", pw["cb.a"])

                    def lookup(citizen, code):
                        return cb.request("POST", "/api/v1/lookups", {"citizen_id": citizen, "dossier_code": code,
                                                                      "procedure_code": PROC})

                    def used():
                        return cb.request("GET", "/api/v1/me")[2]["quota"]["day"]["used"]

                    st, _, body = lookup(ids[0], "SO.A-261120-0000001")
                    self.assertEqual(st, 200, body)
                    self.assertTrue(body["citizen"])
                    st, _, body = lookup(ids[1], "SO.A-261120-0000001")
                    self.assertEqual((st, body["error"]), (403, "citizen_not_in_dossier"), body)
                    st, _, body = lookup(ids[0], "SO.A-261120-0000002")
                    self.assertEqual((st, body["error"]), (403, "dossier_not_found"), body)
                    self.assertEqual(used(), 3)
                    st, hdrs, body = lookup(ids[0], "SO.A-261120-0000500")
                    self.assertEqual((st, body["error"]), (503, "dossier_unavailable"), body)
                    self.assertNotIn("citizen", body)
                    self.assertTrue(hdrs.get("Retry-After"))
                    self.assertEqual(used(), 3)  # given back
                    onestop.shutdown()
                    onestop.server_close()
                    st, _, body = lookup(ids[0], "SO.A-261120-0000001")  # nobody listens now
                    self.assertEqual((st, body["error"]), (503, "dossier_unavailable"), body)
                    self.assertEqual(used(), 3)
                    admin = harness.signed_in(srv, "admin", pw["admin"])
                    st, _, body = admin.request("GET", "/api/v1/audit?type=lookup&actor=cb.a")
                    outcomes = sorted(r["payload"]["outcome"] for r in body["records"])
                    self.assertEqual(outcomes, ["citizen_not_in_dossier", "dossier_not_found",
                                                "dossier_unavailable", "dossier_unavailable", "ok"])
            finally:
                onestop.server_close()


if __name__ == "__main__":
    unittest.main()
