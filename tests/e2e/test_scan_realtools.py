"""`canhgac scan` end to end on what issue 19's real tools did, written here as
log lines from the techniques (no tool output is copied): a directory scan paced
at 15 requests a minute with a browser's user agent over 40 minutes; hydra paced
at one guess every 10 s against a login form that answers 200 on failure, on a
site whose good sign-ins redirect; an office NAT address where thirty people sign
in from several browsers and a dozen mistype; and one request each of sqlmap's
boolean and Oracle tests, a CDATA-split script and wapiti's `;env;`. Each attacker
is found with the right rule, the office and the citizens are not."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

T0 = 1733470000  # 2024-12-06, log time
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
BROWSERS = [FIREFOX,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 coc_coc_browser/120.0 Chrome/114.0",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15"]


def line(ip, t, method, uri, status, ua, size=512):
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
    return f'{ip} - - [{stamp}] "{method} {uri} HTTP/1.1" {status} {size} "-" "{ua}"\n'


def build_log():
    rows = []
    # citizens: pages, a missing icon, one signs in after a typo
    for i in range(20):
        ip, ua = f"203.113.130.{10 + i}", BROWSERS[i % 4]
        for k in range(5):
            rows.append((T0 + i * 60 + k, line(ip, T0 + i * 60 + k, "GET", f"/tin-tuc/{k}", 200, ua)))
        rows.append((T0 + i * 60 + 6, line(ip, T0 + i * 60 + 6, "GET", "/favicon.ico", 404, ua)))
        if i % 4 == 0:
            rows.append((T0 + i * 60 + 7, line(ip, T0 + i * 60 + 7, "POST", "/dang-nhap", 200, ua, 2100)))
            rows.append((T0 + i * 60 + 9, line(ip, T0 + i * 60 + 9, "POST", "/dang-nhap", 302, ua, 0)))
    # the office NAT: 30 sign-ins from four browsers within 5 minutes, 12 typos first
    for i in range(30):
        t, ua = T0 + 100 + i * 10, BROWSERS[i % 4]
        if i % 5 < 2:
            rows.append((t, line("113.161.70.5", t, "POST", "/dang-nhap", 200, ua, 2100)))
        rows.append((t + 3, line("113.161.70.5", t + 3, "POST", "/dang-nhap", 302, ua, 0)))
    # a slow directory scan: one request every 4 s for 40 minutes, every path new
    for i in range(600):
        t = T0 + 200 + i * 4
        rows.append((t, line("198.51.100.40", t, "GET", f"/thu-muc-{i:04d}/", 404, FIREFOX)))
    # paced hydra: a guess every 10 s, the form answered again with 200
    for i in range(60):
        t = T0 + 400 + i * 10
        rows.append((t, line("198.51.100.41", t, "POST", "/dang-nhap", 200, "Mozilla/4.0 (Hydra)", 2100)))
    # one request each
    one = [("198.51.100.42", "/tim-kiem?q=ho+so%20AND%207333%3D1297"),
           ("198.51.100.43", "/tra-cuu?ma=1%27||DBMS_PIPE.RECEIVE_MESSAGE(CHR(98),5)||%27"),
           ("198.51.100.44", "/tim-kiem?q=%3C!%5BCDATA%5B%3C%5D%5D%3Escript%3Ealert(1)"),
           ("198.51.100.45", "/tim-kiem?q=%3Benv%3B")]
    for k, (ip, uri) in enumerate(one):
        t = T0 + 900 + k * 50
        rows.append((t, line(ip, t, "GET", uri, 200, FIREFOX)))
    rows.sort(key=lambda r: r[0])
    return "".join(r[1] for r in rows)


class RealToolsScanTest(unittest.TestCase):
    def test_slow_scan_answer_shape_shared_address(self):
        with harness.tempdir() as tmp:
            log = os.path.join(tmp, "access.log")
            with open(log, "w") as f:
                f.write(build_log())
            p = harness.run(["scan", "--json", log])
            self.assertEqual(p.returncode, 1, p.stderr)
            fs = [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
            by_ip = {}
            for f in fs:
                by_ip.setdefault(f["ip"], set()).add((f["rule"], f["category"] or ""))
            self.assertIn(("scanner-404", "slow"), by_ip.get("198.51.100.40", set()))
            self.assertIn(("brute-force", ""), by_ip.get("198.51.100.41", set()))
            self.assertIn(("injection", "sqli"), by_ip.get("198.51.100.42", set()))
            self.assertIn(("injection", "sqli"), by_ip.get("198.51.100.43", set()))
            self.assertIn(("injection", "xss"), by_ip.get("198.51.100.44", set()))
            self.assertIn(("injection", "cmdi"), by_ip.get("198.51.100.45", set()))
            flagged = set(by_ip)
            self.assertNotIn("113.161.70.5", flagged, by_ip.get("113.161.70.5"))
            self.assertEqual({ip for ip in flagged if ip.startswith("203.113.")}, set())
            slow = next(f for f in fs if f["ip"] == "198.51.100.40")
            # 60 new paths at one every 4 s: found 236 s after the first
            self.assertEqual(slow["first"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + 200)))


if __name__ == "__main__":
    unittest.main()
