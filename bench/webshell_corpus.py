#!/usr/bin/env python3
"""Language of each file in web-shell or clean-code corpora, for bench_webshells.sh.

Prints one line per file that is a server-side script, `LANG<TAB>PATH`, LANG one of
php, asp (classic ASP and ASP.NET), jsp, cfm. The language comes from the extension;
files the collections keep as .txt or without extension (xakep-shells, 138shell)
are classified by their first bytes. Anything else (images, archives, READMEs,
Perl/Python shells) is left out: it is not counted in recall.
"""
import os
import re
import sys

EXT = {}
for e in ("php", "php3", "php4", "php5", "php7", "phtml", "inc", "phar"):
    EXT[e] = "php"
for e in ("asp", "aspx", "ashx", "asmx", "asa", "cer", "cdx", "asax", "ascx"):
    EXT[e] = "asp"
for e in ("jsp", "jspx", "jspf"):
    EXT[e] = "jsp"
for e in ("cfm", "cfml", "cfc"):
    EXT[e] = "cfm"

PHP = re.compile(rb"<\?(php|=|\s)", re.I)
JSP = re.compile(rb"<%@\s*page[^%]*(java|import)|<%@\s*page\s+import|request\.getParameter|<jsp:", re.I)
ASP = re.compile(rb"<%.{0,4000}?(Request|Response|Server\.CreateObject|CreateObject|\bDim\b)|<script[^>]+runat\s*=\s*\"?server", re.I | re.S)
CFM = re.compile(rb"<cf(output|set|if|execute|file|directory|script|param)\b", re.I)


def sniff(path):
    try:
        with open(path, "rb") as f:
            b = f.read(65536)
    except OSError:
        return None
    if JSP.search(b):
        return "jsp"
    if PHP.search(b):
        return "php"
    if CFM.search(b):
        return "cfm"
    if ASP.search(b):
        return "asp"
    return None


def classify(path, sniff_unknown):
    name = os.path.basename(path).lower()
    ext = name.rsplit(".", 1)[1] if "." in name else ""
    if ext in EXT:
        return EXT[ext]
    if sniff_unknown and ext in ("txt", ""):
        return sniff(path)
    return None


def main():
    sniff_unknown = os.environ.get("SNIFF", "1") == "1"
    for root in sys.argv[1:]:
        for d, _, files in os.walk(root):
            for n in files:
                p = os.path.join(d, n)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                lang = classify(p, sniff_unknown)
                if lang:
                    print(f"{lang}\t{p}")


if __name__ == "__main__":
    main()
