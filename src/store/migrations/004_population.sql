-- The embedded population (issue 5): one row per citizen, the citizen fields of
-- docs/LOOKUPS.md as columns. Filled by `canhgac population generate` with
-- synthetic citizens (synthetic = 1); a province that copies real records here
-- marks them synthetic = 0, and generate never touches those.
CREATE TABLE population (
  id                INTEGER PRIMARY KEY,
  citizen_id        TEXT NOT NULL UNIQUE CHECK (length(citizen_id) = 12),
  full_name         TEXT NOT NULL,
  date_of_birth     TEXT NOT NULL,     -- YYYY-MM-DD
  sex               TEXT NOT NULL CHECK (sex IN ('male', 'female')),
  nationality       TEXT NOT NULL,
  ethnicity         TEXT NOT NULL,
  religion          TEXT NOT NULL,
  place_of_origin   TEXT NOT NULL,
  place_of_birth    TEXT NOT NULL,
  permanent_address TEXT NOT NULL,
  current_address   TEXT NOT NULL,
  household_id      TEXT NOT NULL,
  household_head    TEXT NOT NULL,
  relation_to_head  TEXT NOT NULL,
  marital_status    TEXT NOT NULL,
  synthetic         INTEGER NOT NULL DEFAULT 1
) STRICT;
