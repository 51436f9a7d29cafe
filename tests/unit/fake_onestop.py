#!/usr/bin/env python3
"""A fake one-stop system (hệ thống một cửa) for tests/unit/test_dossier_upstream.c.
Listens on 127.0.0.1 on a free port, prints the port on stdout, and answers
GET /api/dossiers/{code} with one canned behaviour per code (see do_GET).
Every error body and header carries the marker UPSTREAM-SECRET, so the test can
check that no upstream text reaches the caller or the log.

It reads commands on stdin, one a line, and answers each on stdout:
  count CODE   -> how many GETs for CODE reached it (the cache test)
  last-accept  -> the Accept header of the last request
It exits when its stdin closes, so it never outlives the test."""
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "UPSTREAM-SECRET"
PREFIX = "/api/dossiers/"

counts = {}
last_accept = [""]
lock = threading.Lock()


def canonical(code, **changes):
    d = {
        "code": code,
        "procedure_code": "1.001234",
        "agency": "UBND-XA-PT",
        "status": "processing",
        "received_at": "2024-11-01T08:30:00+07:00",
        "closed_at": None,
        "persons": [
            {"citizen_id": "075090000001", "role": "applicant"},
            {"citizen_id": "075190000002", "role": "subject"},
        ],
        "officers": ["canbo.an"],
        "note": SECRET + " internal note that must never pass",
    }
    d.update(changes)
    return d


def vietnamese(code):
    """The shape of a province's one-stop system: Vietnamese keys, wrapped in
    {"data": ...}, dates as dd/mm/yyyy, the agency inside a list, a key with
    '/' and '~' in its name (for the RFC 6901 escapes)."""
    return {
        "status": 0,
        "message": SECRET,
        "data": {
            "maHoSo": code,
            "maTTHC": "2.000987",
            "coQuan": [{"maDonVi": "UBND-HUYEN-NT", "tenDonVi": "UBND huyện Nhơn Trạch"}],
            "trangThai": "closed",
            "ngayTiepNhan": "01/11/2024",
            "ngay/ketThuc~ht": "03/12/2024",
            "thanhPhan": [
                {"soDinhDanh": "075090000001", "vaiTro": "nguoi_nop", "hoTen": SECRET},
            ],
            "canBoXuLy": ["canbo.binh"],
        },
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeOneStop/1.0 " + SECRET

    def log_message(self, fmt, *args):  # keep the test output clean
        pass

    def send(self, status, body, content_length=True, reason=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if content_length:
            self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Debug", SECRET + "-header")
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, obj):
        return self.send(200, json.dumps(obj, ensure_ascii=False))

    def do_GET(self):
        if not self.path.startswith(PREFIX):
            return self.send(400, SECRET + " bad path " + self.path)
        raw = self.path[len(PREFIX):]
        if "/" in raw or " " in raw:
            return self.send(400, SECRET + " unescaped code " + raw)
        code = urllib.parse.unquote(raw)
        with lock:
            counts[code] = counts.get(code, 0) + 1
            last_accept[0] = self.headers.get("Accept", "")
        if code in ("HS-OK-1", "HS-CACHE-1", "HS-NOCACHE-1", "HS/2026 01"):
            return self.send_json(canonical(code))
        if code.startswith("HS-MANY-"):  # any number of distinct dossiers
            return self.send_json(canonical(code))
        if code == "HS-VN-1":
            return self.send_json(vietnamese(code))
        if code == "HS-404" or code == "HS-404-CACHE":
            return self.send(404, json.dumps({"error": SECRET + " không tìm thấy hồ sơ"}))
        if code == "HS-500":
            return self.send(500, SECRET + " java.lang.NullPointerException", reason=SECRET)
        if code == "HS-403":
            return self.send(403, json.dumps({"error": SECRET + " certificate not allowed"}))
        if code == "HS-GARBAGE":
            return self.send(200, SECRET + " {this is not json")
        if code == "HS-LIST":
            return self.send(200, json.dumps([canonical(code)]))
        if code == "HS-DUPKEY":
            # a whole valid dossier, but with a key twice
            body = json.dumps(canonical(code))[:-1] + ', "status": "received"}'
            return self.send(200, body)
        if code == "HS-BIG":  # over the cap, announced by Content-Length
            return self.send_json(canonical(code, note="x" * (300 * 1024)))
        if code == "HS-BIG-NOCL":  # over the cap, not announced
            body = json.dumps(canonical(code, note="x" * (300 * 1024)))
            return self.send(200, body, content_length=False)
        if code == "HS-BADCID":
            return self.send_json(canonical(code, persons=[{"citizen_id": "0750900000X1", "role": "applicant"}]))
        if code == "HS-BADSTATUS":
            return self.send_json(canonical(code, status=SECRET))
        if code == "HS-OTHER":  # somebody else's dossier
            return self.send_json(canonical("HS-OK-1"))
        if code == "HS-TOOMANY":
            persons = [{"citizen_id": "075090000001", "role": "applicant"}] * 500
            return self.send_json(canonical(code, persons=persons))
        return self.send(404, SECRET + " unknown")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(srv.server_address[1], flush=True)
    for line in sys.stdin:
        words = line.split(None, 1)
        if not words:
            continue
        if words[0] == "count":
            with lock:
                n = counts.get(words[1].rstrip("\n"), 0) if len(words) > 1 else -1
            print(n, flush=True)
        elif words[0] == "last-accept":
            with lock:
                print(last_accept[0] or "-", flush=True)
        else:
            print("?", flush=True)
    srv.shutdown()


if __name__ == "__main__":
    main()
