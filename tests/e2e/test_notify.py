"""Notifications, the closing report and /metrics against a real server.

- Webhook: a loopback receiver that answers 500 to the first two POSTs and 200
  after; the first event arrives three times with the same body, each signed
  (HMAC-SHA256 of "<timestamp>.<body>" with the shared secret); later events once;
  an incident change is sent as incident_updated; /metrics counts two retries.
- A dead receiver (accepts connections, never answers) never slows lookups.
- The closing report (Mẫu 04): 409 before the incident is closed, JSON and HTML
  after, by ?kind=closing or ?form=04.
- /metrics: loopback without a session or an admin; an officer gets 403; the
  text format parses and the lookup counter moves after a lookup.
"""

import hashlib
import hmac
import http.server
import json
import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DOSSIER = "H15.50.05.13-261008-0975"
SECRET = "s3cret-for-the-soc"


class Receiver:
    """A webhook receiver on loopback: answers 500 to the first `fail_first` POSTs."""

    def __init__(self, fail_first):
        self.hits = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    n = len(outer.hits)
                    outer.hits.append((dict(self.headers), body))
                self.send_response(500 if n < fail_first else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.hits)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def make_server(tmp, notify):
    data = harness.data_dir(tmp)
    pw = {"admin": harness.init_fast(data)["one_time_password"]}
    for args in (["population", "generate", "--data", data, "--count", "300", "--seed", "1"],
                 ["agency", "add", "--data", data, "--code", "SO.A", "--name", "So A"]):
        p = harness.run(args)
        assert p.returncode == 0, p.stderr
    p = harness.run(["population", "sample", "--data", data, "--count", "5"])
    assert p.returncode == 0, p.stderr
    ids = p.stdout.split()
    for name in ("cb.thief", "cb.ok"):
        p = harness.run(["user", "add", "--data", data, "--username", name, "--name", "Can Bo " + name,
                         "--agency", "SO.A", "--role", "officer", "--json"])
        assert p.returncode == 0, p.stderr
        pw[name] = json.loads(p.stdout)["one_time_password"]
    conf = harness.config_path(data)
    # every hour a working hour: only the enumeration rule fires in these tests
    for key, value in (("start", "00:00"), ("end", "23:59"), ("days", "mon,tue,wed,thu,fri,sat,sun")):
        harness.set_config(conf, "workhours", key, value)
    for key, value in notify.items():
        harness.set_config(conf, "notify", key, value)
    srv = harness.Server(data).start()
    clients = {u: harness.signed_in(srv, u, p) for u, p in pw.items()}
    st, _, body = clients["cb.ok"].request("GET", "/api/v1/procedures")
    assert st == 200, body
    return srv, clients, ids, body["procedures"][0]["code"]


def metrics(srv, client=None):
    st, hdrs, text = (client.request if client else srv.request)("GET", "/metrics")
    assert st == 200, (st, text)
    assert hdrs.get("Content-Type").startswith("text/plain"), hdrs.get("Content-Type")
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+)$', line)
        assert m, "not in the text format: %r" % line
        values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return values


class Notify(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        cls.rx = Receiver(fail_first=2)
        cls.srv, cls.c, cls.ids, cls.procedure = make_server(cls.tmp.name, {
            "webhook_url": cls.rx.url, "webhook_secret": SECRET,
            "webhook_retries": "3", "webhook_backoff_ms": "50", "webhook_timeout_ms": "2000"})

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.rx.close()
        cls.tmp.cleanup()
        assert code == 0

    def lookup(self, who, citizen_id):
        return self.c[who].request("POST", "/api/v1/lookups", {
            "citizen_id": citizen_id, "dossier_code": DOSSIER, "procedure_code": self.procedure})

    def enumerate(self):
        base = int(self.ids[0])
        for i in range(5):
            st, _, body = self.lookup("cb.thief", "%012d" % (base + i))
            self.assertIn(st, (200, 404), body)

    def check_signature(self, headers, body):
        ts = headers.get("X-Canhgac-Timestamp")
        sig = headers.get("X-Canhgac-Signature", "")
        self.assertTrue(ts and sig.startswith("sha256="), headers)
        want = hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        self.assertTrue(hmac.compare_digest(sig[7:], want), "bad signature")
        self.assertLess(abs(int(ts) - time.time()), 300)
        # a forged body does not verify
        forged = hmac.new(SECRET.encode(), ts.encode() + b"." + body + b" ", hashlib.sha256).hexdigest()
        self.assertNotEqual(sig[7:], forged)

    def test_1_webhook_retries_and_incident(self):
        m0 = metrics(self.srv)
        self.enumerate()
        hits = harness.eventually(self.rx.snapshot, lambda h: len(h) >= 3, timeout=10)
        self.assertGreaterEqual(len(hits), 3, hits)
        # the first event: two 500s, then accepted; the same body each time
        first = hits[0][1]
        self.assertEqual([b for _, b in hits[:3]], [first] * 3)
        for headers, body in hits:
            self.check_signature(headers, body)
            self.assertEqual(headers.get("Content-Type"), "application/json; charset=utf-8")
        ev = json.loads(first)
        self.assertEqual(ev["event"], "alert")
        self.assertEqual(hits[0][0].get("X-Canhgac-Event"), "alert")
        self.assertEqual(ev["alert"]["rule"], "enumeration")
        self.assertEqual(ev["alert"]["actor"], "cb.thief")
        self.assertTrue(ev["alert"]["detail"]["suspended"])
        self.assertNotIn("last_citizen_id", ev["alert"]["detail"])  # stays in the console
        looked_up = ["%012d" % (int(self.ids[0]) + i) for i in range(5)]
        for _, body in hits:
            for cid in looked_up:
                self.assertNotIn(cid.encode(), body)
        self.assertEqual(ev["incident"]["id"], ev["alert"]["incident_id"])
        self.assertEqual(ev["incident"]["status"], "new")
        m1 = harness.eventually(lambda: metrics(self.srv),
                                lambda m: m["canhgac_webhook_sent_total"] >= 1, timeout=5)
        self.assertEqual(m1["canhgac_webhook_retries_total"] - m0["canhgac_webhook_retries_total"], 2)
        self.assertEqual(m1["canhgac_webhook_failed_total"], 0)
        self.assertGreaterEqual(m1['canhgac_alerts_total{rule="enumeration"}'], 1)

        # an incident change goes out once (the receiver answers 200 now)
        admin = self.c["admin"]
        inc = ev["incident"]["id"]
        st, _, body = admin.request("PATCH", "/api/v1/incidents/%d" % inc,
                                    {"status": "investigating", "note": "đang xác minh"})
        self.assertEqual(st, 200, body)
        hits = harness.eventually(self.rx.snapshot,
                                  lambda h: any(b"incident_updated" in b for _, b in h), timeout=10)
        upd = [json.loads(b) for _, b in hits if b"incident_updated" in b]
        self.assertEqual(len(upd), 1, upd)
        self.assertEqual(upd[0]["change"], {"from": "new", "to": "investigating", "note": "đang xác minh",
                                            "author": "admin"})
        self.assertEqual(upd[0]["incident"]["status"], "investigating")

        # the closing report: 409 until closed, then JSON and HTML
        path = "/api/v1/incidents/%d/report" % inc
        st, _, body = admin.request("GET", path + "?kind=closing")
        self.assertEqual((st, body["error"]), (409, "incident_not_closed"))
        self.assertEqual(admin.request("GET", path + "?kind=final")[0], 400)
        self.assertEqual(admin.request("GET", path + "?kind=initial&form=04")[0], 400)
        st, _, body = admin.request("PATCH", "/api/v1/incidents/%d" % inc, {
            "status": "closed",
            "note": "Kết quả: mật khẩu đã đổi\nNguyên nhân: lộ mật khẩu\nBài học: bật TOTP <ngay>"})
        self.assertEqual(st, 200, body)
        st, _, body = admin.request("GET", path + "?kind=closing")
        self.assertEqual(st, 200, body)
        self.assertEqual(body["kind"], "closing")
        self.assertEqual(body["cause"], "lộ mật khẩu")
        self.assertEqual(body["lessons"], "bật TOTP <ngay>")
        self.assertEqual(body["reporter"], "admin")
        self.assertTrue(any("tạm khóa" in s["action"] for s in body["timeline"]), body["timeline"])
        st, hdrs, html = admin.request("GET", path + "?form=04&format=html")
        self.assertEqual(st, 200)
        self.assertTrue(hdrs.get("Content-Type").startswith("text/html"))
        self.assertIn("Mẫu số 04", html)
        self.assertIn("bật TOTP &lt;ngay&gt;", html)
        st, _, body = admin.request("GET", path + "?form=03")
        self.assertEqual(st, 200, body)
        self.assertIn("Mẫu số 03", body["form"])

    def test_2_metrics(self):
        # loopback without a session: allowed; an officer's session: refused
        self.assertEqual(self.c["cb.ok"].request("GET", "/metrics")[0], 403)
        # through a proxy on this machine: not a local scraper
        self.assertEqual(self.srv.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.5"})[0], 401)
        m0 = metrics(self.srv)
        self.assertIn("process_start_time_seconds", m0)
        self.assertLess(abs(m0["process_start_time_seconds"] - time.time()), 3600)
        st, _, body = self.lookup("cb.ok", self.ids[3])
        self.assertEqual(st, 200, body)
        st, _, body = self.c["cb.ok"].request("POST", "/api/v1/lookups", {
            "citizen_id": "12", "dossier_code": DOSSIER, "procedure_code": self.procedure})
        self.assertEqual(st, 400, body)
        m1 = metrics(self.c["admin"])
        ok = 'canhgac_lookups_total{outcome="ok"}'
        bad = 'canhgac_lookups_total{outcome="invalid_citizen_id"}'
        self.assertEqual(m1[ok] - m0[ok], 1)
        self.assertEqual(m1[bad] - m0[bad], 1)
        req = 'canhgac_http_requests_total{route="lookups",code="2xx"}'
        self.assertGreaterEqual(m1[req] - m0[req], 1)
        self.assertGreater(m1["canhgac_audit_records_total"], m0["canhgac_audit_records_total"])
        self.assertEqual(m1["canhgac_audit_failures_total"], 0)
        self.assertEqual(m1["canhgac_audit_available"], 1)
        for name in ("canhgac_incidents_open", "canhgac_incidents_overdue", "canhgac_blocks_active",
                     "canhgac_webhook_queue_depth", 'canhgac_quota_rejections_total{scope="user_minute"}'):
            self.assertIn(name, m1)


class DeadReceiver(unittest.TestCase):
    def test_lookups_not_slowed(self):
        with harness.tempdir() as tmp:
            sink = socket.socket()
            sink.bind(("127.0.0.1", 0))
            sink.listen(64)  # connections complete in the backlog; nothing ever answers
            url = "http://127.0.0.1:%d/hook" % sink.getsockname()[1]
            srv, c, ids, procedure = make_server(tmp, {
                "webhook_url": url, "webhook_timeout_ms": "3000", "webhook_retries": "5",
                "webhook_backoff_ms": "10", "webhook_queue_max": "2"})
            try:
                base = int(ids[0])
                worst = 0.0
                for i in range(5):  # enumeration: an alert for the dead receiver
                    t = time.monotonic()
                    st, _, body = c["cb.thief"].request("POST", "/api/v1/lookups", {
                        "citizen_id": "%012d" % (base + i), "dossier_code": DOSSIER,
                        "procedure_code": procedure})
                    worst = max(worst, time.monotonic() - t)
                    self.assertIn(st, (200, 404), body)
                # more events than the queue holds: the admin's incident changes
                _, _, body = harness.eventually(lambda: c["admin"].request("GET", "/api/v1/incidents"),
                                                lambda r: r[0] == 200 and r[2]["incidents"])
                inc = body["incidents"][0]["id"]
                for note in ("a", "b", "c", "d"):
                    st, _, body = c["admin"].request("PATCH", "/api/v1/incidents/%d" % inc, {"note": note})
                    self.assertEqual(st, 200, body)
                for i in range(20):
                    t = time.monotonic()
                    st, _, body = c["cb.ok"].request("POST", "/api/v1/lookups", {
                        "citizen_id": ids[i % 5], "dossier_code": DOSSIER, "procedure_code": procedure})
                    worst = max(worst, time.monotonic() - t)
                    self.assertIn(st, (200, 429), body)
                # a lookup never waited for a 3 s webhook attempt
                self.assertLess(worst, 2.5)
                m = harness.eventually(lambda: metrics(srv), lambda m: m["canhgac_webhook_dropped_total"] >= 2)
                self.assertLessEqual(m["canhgac_webhook_queue_depth"], 2)
                self.assertGreaterEqual(m["canhgac_webhook_dropped_total"], 2)
                self.assertTrue(any("webhook queue full" in l.get("message", "") for l in srv.log_lines()))
            finally:
                self.assertEqual(srv.stop(), 0)
                sink.close()


if __name__ == "__main__":
    unittest.main()
