#!/usr/bin/env python3
"""Ordinary visitors for bench/bench_realtools.sh: real HTTP requests to the nginx in
front of the fake portal, each visitor from its own address (sent in an X-Label
header that nginx's log format writes in place of the loopback address).

Visitors (all benign, none in the truth file): citizens reading news and searching
in Vietnamese, some mistyping a password once or twice before signing in; an office
behind one NAT address where thirty officials sign in from several browsers, a dozen
of them mistyping; search-engine bots crawling (a few old links answer 404); an
uptime monitor; a mobile app polling its API. Usage: realtools_browse.py BASE_URL.
Deterministic (seeded).
"""
import random
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
rnd = random.Random(19)
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/120.0 Chrome/114.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
]
SEARCHES = ["đăng ký khai sinh", "cấp giấy phép xây dựng", "hộ tịch", "tra cứu hồ sơ đất đai", "lệ phí trước bạ",
            "đăng ký kết hôn", "mẫu tờ khai 01", "chứng thực bản sao", "thủ tục nhập hộ khẩu", "căn cước công dân"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def req(ip, ua, path, data=None):
    r = urllib.request.Request(BASE + path, data=data.encode() if data else None,
                               headers={"User-Agent": ua, "X-Label": ip})
    try:
        with OPENER.open(r, timeout=10) as resp:
            resp.read()
    except urllib.error.HTTPError as e:
        e.read()
    except OSError:
        pass


def citizen(ip):
    ua = rnd.choice(BROWSERS)
    req(ip, ua, "/")
    for _ in range(rnd.randint(2, 8)):
        req(ip, ua, f"/tin-tuc/{rnd.randint(1, 300)}")
    req(ip, ua, "/tim-kiem?q=" + urllib.parse.quote_plus(rnd.choice(SEARCHES)))
    req(ip, ua, "/favicon.ico")
    req(ip, ua, f"/tra-cuu?ma={rnd.randint(1, 3)}")
    if rnd.random() < 0.4:
        req(ip, ua, "/dang-nhap")
        for _ in range(rnd.randint(0, 2)):
            req(ip, ua, "/dang-nhap", "user=canbo&pass=matkhau2024")
        req(ip, ua, "/dang-nhap", "user=canbo&pass=MatKhau%402024")


def office(ip):
    # thirty officials, six browsers, every one signs in; a dozen mistype first
    for i in range(30):
        ua = BROWSERS[i % len(BROWSERS)]
        req(ip, ua, "/dang-nhap")
        if i % 5 < 2:
            req(ip, ua, "/dang-nhap", f"user=cb{i}&pass=sai")
        req(ip, ua, "/dang-nhap", "user=canbo&pass=MatKhau%402024")
        req(ip, ua, f"/tra-cuu?ma={1 + i % 3}")


def bot(ip, ua):
    for i in range(60):
        req(ip, ua, f"/tin-tuc/{i}" if i % 12 else f"/tin-cu/{i}.html")


def main():
    for i in range(60):
        citizen(f"203.113.{130 + i // 50}.{10 + i % 50}")
    office("113.161.70.5")
    bot("66.249.66.1", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    bot("157.55.39.10", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")
    bot("123.30.175.4", "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)")
    for _ in range(100):
        req("203.162.4.190", "Uptime-Kuma/1.23.13", "/")
    for i in range(150):
        req(f"27.72.{100 + i % 5}.{20 + i % 7}", "DVCTinhApp/2.3 (Android 13; okhttp/4.11)", f"/api/ho-so/{i}")


if __name__ == "__main__":
    main()
