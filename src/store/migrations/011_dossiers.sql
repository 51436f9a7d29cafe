-- Dossiers (hồ sơ) of the one-stop system, the purpose a lookup is bound to
-- (issue 17). One row per dossier code; a re-import or a push updates the row in
-- place. The persons and the assigned officers are short lists kept in the row
-- (a lookup reads one row, nothing else): persons as "citizen_id:role" items and
-- officers as usernames, both comma-separated, written and read only by
-- src/store/store_dossiers.c.
CREATE TABLE dossiers (
  code           TEXT PRIMARY KEY,
  procedure_code TEXT NOT NULL,
  agency         TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('received', 'processing', 'awaiting_supplement',
                                                 'returned', 'closed', 'cancelled')),
  received_at    INTEGER NOT NULL,
  closed_at      INTEGER NOT NULL DEFAULT 0,   -- 0: not closed
  persons        TEXT NOT NULL,                -- "075190000001:applicant,075190000002:subject"
  officers       TEXT NOT NULL DEFAULT '',     -- "canbo.a,canbo.b"
  source         TEXT NOT NULL,                -- import, api, generate
  updated_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX dossiers_agency_open ON dossiers(agency, status, received_at);
