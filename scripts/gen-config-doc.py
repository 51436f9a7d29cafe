# Regenerates docs/CONFIG.md from the key table in src/core/config_keys.c (run from the repo root).
import re,sys
src=open('src/core/config_keys.c').read()
rows=re.findall(r'^\t(INT|BOOL|STR)\(("[^"]*"), ("[^"]*"),\s*([^,]+),\s*(.*?)\),$', src, re.S|re.M)
out=["# Configuration","","`canhgac.conf` is INI, read through libinih. `canhgac init` writes one with every key at",
"its default and a comment; `canhgac config default` prints it; `canhgac config check FILE`",
"validates a file and prints every error as `FILE:LINE: message` (exit 1). Unknown sections,",
"unknown keys, keys set twice, values out of range and contradictory pairs are errors:",
"a typo in a security setting must never fall back silently to a default nobody chose.","",
"Lists (`trusted_proxies`, `holidays`, `paths`, `allowlist`, `roots`, `exclude`) are",
"separated by commas and/or spaces. Booleans are `true`/`false` (also yes/no, on/off, 1/0).","",
"A missing key means its default. Two defaults stay lenient so that an upgraded",
"configuration, which lacks the key, keeps the desks working, while `canhgac init`",
"writes the stricter value for a new instance: `[dossier] check` (default `format`,",
"init writes `verify`) and `[totp] required_roles` (default `admin,agency_admin`, init",
"writes `admin,agency_admin,officer`). `format` is announced by `config check` (a",
"warning on stderr), by `/healthz` (`dossier_check`, `warnings`) and by the console.",""]
section=None
bs='\\'
for kind,sec,key,field,rest in rows:
    sec=sec.strip('"'); key=key.strip('"')
    rest=' '.join(rest.split())
    if kind=='INT':
        m=re.match(r'(-?\d+), (\d+), "([^"]*)", (".*")$',rest)
        lo,hi,d,doc=m.groups(); rng=lo+" – "+hi
    elif kind=='BOOL':
        m=re.match(r'"([^"]*)", (".*")$',rest); d,doc=m.groups(); rng="true / false"
    else:
        m=re.match(r'(C_[A-Z_]+),\s*"((?:[^"\\]|\\.)*)",\s*(".*")$',rest); chk,d,doc=m.groups()
        d=d.replace(bs+bs,bs)
        rng={'C_LISTEN':'HOST:PORT','C_HHMM':'HH:MM','C_DAYS':'days, e.g. mon-fri','C_DATES':'YYYY-MM-DD list','C_CIDRS':'CIDR list','C_REGEX':'POSIX ERE','C_LEVEL':'debug/info/warn/error','C_PATH':'path','C_NONE':'text','C_JSON_POINTER':'JSON pointer'}[chk]
    doc=' '.join(re.findall(r'"((?:[^"\\]|\\.)*)"',doc))
    if sec!=section:
        out+=["","## ["+sec+"]","","| key | default | allowed | meaning |","|---|---|---|---|"]
        section=sec
    dd=("`"+d+"`") if d else "(empty)"
    dd=dd.replace('|',bs+'|')
    out.append("| `"+key+"` | "+dd+" | "+rng+" | "+doc+" |")
out+=["","## Checks across keys","",
"- `[password] warn_days` must be less than `max_age_days`.",
"- `[session] idle_seconds` must not exceed `absolute_seconds`.",
"- `[quota] user_per_minute` must not exceed `user_per_day`.",
"- `[workhours] end` must be after `start`.",
"- `[server] tls_cert` and `tls_key` are set together.",
"- `[dossier] check` is `verify` or `format`; `backend` is `embedded` or `upstream`, and",
"  `upstream` needs `upstream_url`; `upstream_cert` and `upstream_key` are set together.",
"- Serving plain HTTP on an address that is not loopback is refused at start unless",
"  `[server] trusted_proxies` names the TLS-terminating proxy.",""]
open('docs/CONFIG.md','w').write('\n'.join(out))
print(len(rows))
