#!/usr/bin/env python3
"""A deterministic web root for bench/bench_fim.sh: N files (default 100,000) laid
out like a PHP portal (vendor/ packages, app/, templates/, public/assets with
minified JavaScript and CSS, images in uploads/), about 50 files a directory.
The same --seed gives the same bytes. Ordinary code only: nothing in it should
match the web-shell rules (the bench prints the findings so a false positive
shows)."""

import argparse
import os
import random

PHP_LINES = [
    "namespace App\\Http\\Controllers;",
    "use Illuminate\\Http\\Request;",
    "class {name}Controller extends Controller",
    "{",
    "    public function index(Request $request)",
    "    {",
    "        $items = $this->repository->paginate(20);",
    "        return view('{name}.index', ['items' => $items]);",
    "    }",
    "    protected function validateInput(array $data): array",
    "    {",
    "        return array_filter($data, fn($v) => $v !== null && $v !== '');",
    "    }",
    "    $config = json_decode(file_get_contents(__DIR__ . '/config.json'), true);",
    "    $logo = base64_decode($settings['logo_png']);",
    "    echo htmlspecialchars($row['ten_thu_tuc'], ENT_QUOTES, 'UTF-8');",
    "    $stmt = $pdo->prepare('SELECT * FROM ho_so WHERE ma = ?');",
    "    $stmt->execute([$code]);",
    "    foreach ($rows as $i => $row) { $total += (int) $row['so_luong']; }",
    "    // Tiếp nhận hồ sơ trực tuyến: kiểm tra mã hồ sơ trước khi lưu",
    "}",
]
JS = ("!function(e,t){\"use strict\";var n=function(e){return document.querySelector(e)},"
      "r=function(e,t){for(var n=0;n<e.length;n++)t(e[n],n)};e.App={init:function(){r(t.forms,"
      "function(e){e.addEventListener(\"submit\",function(t){e.checkValidity()||t.preventDefault()})})}}"
      "}(window,document);")
CSS = ".portal-header{display:flex;align-items:center;padding:.5rem 1rem;background:#0b5394;color:#fff}"
HTML = ("<div class=\"card\"><h2>{{ thu_tuc.ten }}</h2><p>{{ thu_tuc.mo_ta }}</p>"
        "<a href=\"/thu-tuc/{{ thu_tuc.ma }}\">Xem chi tiết</a></div>\n")


def size(rng, median):
    return max(64, int(rng.lognormvariate(0, 0.9) * median))


def text(rng, parts, n):
    out, total = [], 0
    while total < n:
        s = rng.choice(parts).replace("{name}", "Ho%04d" % rng.randrange(10000))
        out.append(s)
        total += len(s) + 1
    return ("\n".join(out) + "\n").encode("utf-8")[:n]


def content(rng, kind):
    if kind == "php":
        return b"<?php\n" + text(rng, PHP_LINES, size(rng, 3000))
    if kind == "js":
        return (JS * (size(rng, 4000) // len(JS) + 1)).encode()[:size(rng, 4000)]
    if kind == "css":
        return (CSS * (size(rng, 2000) // len(CSS) + 1)).encode()
    if kind == "html":
        return (HTML * (size(rng, 2500) // len(HTML) + 1)).encode("utf-8")
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n" + rng.randbytes(size(rng, 12000))
    return text(rng, ["{\"ma\": \"1.002421\", \"ten\": \"Cấp bản sao\"}", "README", "ok"], size(rng, 800))


KINDS = [("php", 45), ("js", 15), ("css", 8), ("html", 12), ("png", 15), ("json", 5)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    kinds = [k for k, w in KINDS for _ in range(w)]
    total = 0
    for i in range(a.files):
        kind = rng.choice(kinds)
        d = i // 50
        if kind == "png":
            top = "public/uploads/%04d/%02d" % (2020 + d % 6, d % 12 + 1)
        elif kind in ("js", "css"):
            top = "public/assets/%s/b%03d" % (kind, d % 200)
        elif kind == "html":
            top = "templates/m%03d" % (d % 300)
        elif d % 3 == 0:
            top = "app/Modules/M%03d/Http" % (d % 250)
        else:
            top = "vendor/pkg%03d/src/Part%02d" % (d % 400, d % 17)
        path = os.path.join(a.out, top)
        os.makedirs(path, exist_ok=True)
        body = content(rng, kind)
        with open(os.path.join(path, "f%06d.%s" % (i, kind)), "wb") as f:
            f.write(body)
        total += len(body)
    print("%d files, %.1f MiB" % (a.files, total / 1048576))


if __name__ == "__main__":
    main()
