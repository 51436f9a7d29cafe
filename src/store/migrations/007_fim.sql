-- File integrity of the portal's web roots (issue 10): the approved state of each
-- regular file under a root (the baseline), the roots that have one, and what
-- `fim check` found. Findings of kind 'webshell' feed the indicators for NCSC.
CREATE TABLE fim_roots (
  root        TEXT PRIMARY KEY,            -- absolute, no trailing slash
  recorded_at INTEGER NOT NULL              -- UTC unix seconds of the last baseline
) STRICT;

CREATE TABLE fim_baseline (
  path        TEXT PRIMARY KEY,            -- absolute
  root        TEXT NOT NULL REFERENCES fim_roots(root),
  size        INTEGER NOT NULL,
  mode        INTEGER NOT NULL,            -- st_mode (type and permission bits)
  uid         INTEGER NOT NULL,
  mtime       INTEGER NOT NULL,
  blake2b     TEXT NOT NULL,               -- BLAKE2b-256, hex
  sha256      TEXT NOT NULL,               -- SHA-256, hex
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX fim_baseline_root ON fim_baseline(root, path);

CREATE TABLE fim_findings (
  id      INTEGER PRIMARY KEY,
  kind    TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'mode', 'webshell')),
  path    TEXT NOT NULL,
  rule    TEXT,                            -- the YARA rule(s) for 'webshell'
  sha256  TEXT,
  blake2b TEXT,
  seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX fim_findings_kind ON fim_findings(kind, seen_at);
