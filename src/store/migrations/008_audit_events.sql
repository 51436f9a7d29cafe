-- Audit search (issue 9): every committed record that is not a lookup, as a row
-- (lookups have their own projection, audit_lookups). Like the others it is a
-- projection of the log, rebuilt by `canhgac audit reindex`. The projections are
-- emptied here so the next open of the audit log replays it from seq 1 and the
-- records written before this migration are searchable too.
CREATE TABLE audit_events (
  seq     INTEGER PRIMARY KEY,
  time    INTEGER NOT NULL,        -- UTC unix seconds
  type    TEXT NOT NULL,
  actor   TEXT NOT NULL,
  agency  TEXT,
  ip      TEXT,
  payload TEXT NOT NULL            -- the record's payload, a JSON object
) STRICT;
CREATE INDEX audit_events_type ON audit_events(type, seq);
CREATE INDEX audit_events_actor ON audit_events(actor, seq);
CREATE INDEX audit_events_agency ON audit_events(agency, seq);

DELETE FROM audit_lookups;
DELETE FROM audit_daily_user;
DELETE FROM audit_daily_agency;
DELETE FROM meta WHERE key = 'audit_projected_seq';
