#!/usr/bin/env python3
"""Checks the hardening of the built binary (issue 18), with binutils' readelf:
a position-independent executable (ELF type DYN with an interpreter), full RELRO
(a GNU_RELRO segment and BIND_NOW), a non-executable stack (GNU_STACK without X),
the stack protector (__stack_chk_fail imported) and _FORTIFY_SOURCE (some
__*_chk function imported). Exit 0 when all hold, 1 naming what is missing.
Usage: check_hardening.py BINARY"""

import re
import subprocess
import sys


def readelf(*args):
    return subprocess.run(["readelf", "-W"] + list(args), capture_output=True, text=True, check=True).stdout


def main():
    binary = sys.argv[1]
    header, segments, dynamic = readelf("-h", binary), readelf("-l", binary), readelf("-d", binary)
    symbols = readelf("--dyn-syms", binary)
    missing = []
    if not re.search(r"Type:\s+DYN", header) or "INTERP" not in segments:
        missing.append("PIE (ELF type DYN with an interpreter)")
    if "GNU_RELRO" not in segments:
        missing.append("RELRO (a GNU_RELRO segment)")
    if not re.search(r"\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW", dynamic):
        missing.append("full RELRO (BIND_NOW: -z now)")
    stack = re.search(r"GNU_STACK(.*)", segments)
    if not stack or re.search(r"\bRWE\b", stack.group(1)):
        missing.append("a non-executable stack (GNU_STACK without E)")
    if "__stack_chk_fail" not in symbols:
        missing.append("the stack protector (__stack_chk_fail)")
    if not re.search(r"__\w+_chk\b", symbols.replace("__stack_chk_fail", "")):
        missing.append("_FORTIFY_SOURCE (no __*_chk function)")
    if missing:
        print("%s lacks: %s" % (binary, "; ".join(missing)))
        return 1
    print("%s: PIE, full RELRO, non-executable stack, stack protector, fortify" % binary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
