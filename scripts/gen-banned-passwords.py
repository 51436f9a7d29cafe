#!/usr/bin/env python3
"""Regenerates data/passwords_banned.csv, the base words canhgac refuses as the
root of a password (src/auth/password_banned.c), from:
  1. a public breach-derived list, given as the first argument: SecLists'
     Passwords/Common-Credentials/10k-most-common.txt (MIT licence; github:
     danielmiessler/SecLists), reduced to base words the way the check reduces a
     password (lower case, leetspeak undone, leading and trailing digits and
     symbols dropped, 4 letters or more);
  2. the Vietnamese words below: common Vietnamese password roots, the province's
     own place and office words (Đồng Nai and its towns, the one-stop desk's
     vocabulary), written without diacritics as people type them.
Usage (from the repository root): scripts/gen-banned-passwords.py 10k-most-common.txt"""

import re
import sys

LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s",
                      "7": "t", "+": "t", "8": "b", "9": "g"})

VIETNAMESE = """
matkhau matkhaumoi doimatkhau anhyeuem emyeuanh yeuem yeuanh yeuemnhieu iuem iuanh
toiyeuban yeuthuong hanhphuc thienthan congchua hoangtu baobao embe cuncon meyeu boyeu
giadinh vietnam vietnamese hanoi saigon hochiminh thanhpho tphcm danang haiphong cantho
hue nhatrang dalat vungtau quangninh binhduong longan tayninh baria dongnai bienhoa
longkhanh nhontrach trangbom vinhcuu xuanloc dinhquan tanphu thongnhat camy
quantri quantrivien admin administrator canbo congchuc vienchuc motcua motcualienthong
dichvucong congdichvucong congan tuphap sotuphap ubnd uybannhandan hoso tracuu
canhgac trungtam congnghe thongtin truyenthong sothongtin tinhdongnai baomat
nguyen tran hoang huynh phan dang duong minh hung tuan thanh huong linh trang
ngoc dung thao hien hanh tien quang long phuong nhung giang khanh thuy
vanhung vanminh thihong thilan bachkhoa
"""


def base(word):
    w = word.strip().lower()
    w = re.sub(r"^[^a-z@$!]+|[^a-z]+$", "", w)  # leading digits/symbols, trailing ones
    w = w.translate(LEET)
    return re.sub(r"[^a-z]", "", w)


def main():
    words = {}
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            b = base(line)
            if len(b) >= 4:
                words.setdefault(b, "seclists-10k")
    for w in VIETNAMESE.split():
        words[w] = "vi"
    with open("data/passwords_banned.csv", "w", encoding="utf-8") as out:
        out.write("word,source\n")
        for w in sorted(words):
            out.write("%s,%s\n" % (w, words[w]))
    print(len(words), "words")


if __name__ == "__main__":
    main()
