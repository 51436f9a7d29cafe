-- Projections of the audit log (issue 6). The log under DATA/audit is the truth;
-- these tables are rebuilt from it by `canhgac audit reindex`. The high-water
-- mark (meta key audit_projected_seq) moves in the same transaction as the rows.
CREATE TABLE audit_lookups (
  seq            INTEGER PRIMARY KEY,
  time           INTEGER NOT NULL,        -- UTC unix seconds
  local_day      INTEGER NOT NULL,        -- days since 1970-01-01, Asia/Ho_Chi_Minh
  actor          TEXT NOT NULL,
  agency         TEXT,
  ip             TEXT,
  citizen_id     TEXT,
  dossier_code   TEXT,
  procedure_code TEXT,
  outcome        TEXT
) STRICT;
CREATE INDEX audit_lookups_citizen ON audit_lookups(citizen_id, seq);
CREATE INDEX audit_lookups_actor ON audit_lookups(actor, seq);
CREATE INDEX audit_lookups_agency ON audit_lookups(agency, seq);
CREATE INDEX audit_lookups_time ON audit_lookups(time);

-- Lookups per user and per agency per local day (every audited lookup counts,
-- whatever its outcome): what the daily quotas read after a restart.
CREATE TABLE audit_daily_user (
  username TEXT NOT NULL,
  day      INTEGER NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY (username, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_daily_agency (
  agency TEXT NOT NULL,
  day    INTEGER NOT NULL,
  count  INTEGER NOT NULL,
  PRIMARY KEY (agency, day)
) STRICT, WITHOUT ROWID;
