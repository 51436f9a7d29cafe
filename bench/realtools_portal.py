#!/usr/bin/env python3
"""A tiny fake portal for bench/bench_realtools.sh: what the attack tools probe.

Pages (Vietnamese, like the province's portal): / and /tin-tuc/N (static), a search
/tim-kiem?q=, a dossier lookup form /tra-cuu?ma= (answers differ with the input, so
sqlmap has something to compare), a login form /dang-nhap that answers 200 with the
form again on a failed sign-in and 302 on a good one (canbo / MatKhau@2024), an
upload form /tai-len, a JSON API /api/ho-so/ID for the mobile app; everything else
404. Usage: realtools_portal.py PORT (listens on 127.0.0.1).
"""
import html
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAV = ('<nav><a href="/">Trang chủ</a> <a href="/tin-tuc/1">Tin tức</a> <a href="/tra-cuu?ma=1">Tra cứu hồ sơ</a> '
       '<a href="/dang-nhap">Đăng nhập</a> <a href="/tai-len">Nộp hồ sơ</a></nav>'
       '<form action="/tim-kiem"><input name="q"><button>Tìm</button></form>')
PAGE = "<!doctype html><html lang=vi><head><meta charset=utf-8><title>{t}</title></head><body>" + NAV + "{b}</body></html>"
LOGIN = ("<form method=post action=/dang-nhap><input name=user><input name=pass type=password>"
         "<button>Đăng nhập</button></form>")
DOSSIERS = {"1": "Đăng ký khai sinh", "2": "Cấp giấy phép xây dựng", "3": "Đăng ký kết hôn"}


class Portal(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body, ctype="text/html; charset=utf-8", extra=None):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        p = u.path
        if p in ("/", "/trang-chu") or p.startswith("/tin-tuc/") and p[9:].isdigit():
            return self.send(200, PAGE.format(t="Cổng dịch vụ công", b="<h1>Tin tức</h1>" + "<p>.</p>" * 40
                                              + "".join(f'<a href="/tin-tuc/{i}">{i}</a> ' for i in range(1, 6))))
        if p == "/tim-kiem":
            term = html.escape(q.get("q", [""])[0])
            return self.send(200, PAGE.format(t="Tìm kiếm", b=f"<p>Kết quả cho {term}: 0</p>"))
        if p == "/tra-cuu":
            ma = q.get("ma", [""])[0]
            found = DOSSIERS.get(ma.strip())
            body = f"<p>Hồ sơ {html.escape(ma)}: {found}</p>" if found else "<p>Không tìm thấy hồ sơ</p>"
            return self.send(200, PAGE.format(t="Tra cứu hồ sơ", b=body + "<form><input name=ma></form>"))
        if p == "/dang-nhap":
            return self.send(200, PAGE.format(t="Đăng nhập", b=LOGIN))
        if p == "/tai-len":
            return self.send(200, PAGE.format(t="Nộp hồ sơ", b="<form method=post enctype=multipart/form-data>"
                                              "<input type=file name=f></form>"))
        if p.startswith("/api/ho-so/"):
            return self.send(200, '{"trang_thai":"dang_xu_ly"}', "application/json")
        if p == "/trang-ca-nhan":
            return self.send(200, PAGE.format(t="Trang cá nhân", b="<p>Xin chào</p>"))
        return self.send(404, PAGE.format(t="Không tìm thấy", b="<p>404</p>"))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 1 << 20)).decode("utf-8", "replace")
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/dang-nhap":
            f = urllib.parse.parse_qs(body)
            if f.get("user", [""])[0] == "canbo" and f.get("pass", [""])[0] == "MatKhau@2024":
                return self.send(302, "", extra={"Location": "/trang-ca-nhan"})
            return self.send(200, PAGE.format(t="Đăng nhập", b="<p>Sai mật khẩu</p>" + LOGIN))
        if u.path == "/tai-len":
            return self.send(200, PAGE.format(t="Nộp hồ sơ", b="<p>Đã nhận</p>"))
        if u.path in ("/tim-kiem", "/tra-cuu"):
            return self.do_GET()
        return self.send(404, PAGE.format(t="Không tìm thấy", b="<p>404</p>"))

    def do_HEAD(self):
        return self.do_GET()


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Portal).serve_forever()
