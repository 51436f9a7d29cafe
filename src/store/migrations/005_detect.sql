-- The detector (issue 7): alerts raised by the rules, incidents that group them
-- by account or address, the notes of each incident's history, and the IP block
-- list. Alerts and incidents are the detector's findings, not facts of the audit
-- log: the actions they lead to (suspensions, blocks, status changes) are audited.
CREATE TABLE detect_alerts (
  id          INTEGER PRIMARY KEY,
  rule        TEXT NOT NULL,
  severity    TEXT NOT NULL,              -- low, medium, high, critical
  actor       TEXT,                       -- the account, when the alert is about one
  ip          TEXT,
  agency      TEXT,
  detail      TEXT NOT NULL,              -- a JSON object
  created_at  INTEGER NOT NULL,           -- UTC unix seconds
  status      TEXT NOT NULL DEFAULT 'new',  -- new, acked
  acked_by    TEXT,
  acked_at    INTEGER,
  incident_id INTEGER
) STRICT;
CREATE INDEX detect_alerts_status ON detect_alerts(status, id);
CREATE INDEX detect_alerts_time ON detect_alerts(created_at);

CREATE TABLE detect_incidents (
  id            INTEGER PRIMARY KEY,
  group_key     TEXT NOT NULL,            -- "account:USERNAME" or "ip:ADDRESS"
  severity      TEXT NOT NULL,
  status        TEXT NOT NULL,            -- new, investigating, contained, reported, closed
  title         TEXT NOT NULL,
  actor         TEXT,
  ip            TEXT,
  agency        TEXT,
  detected_at   INTEGER NOT NULL,
  last_alert_at INTEGER NOT NULL,
  report_due_at INTEGER NOT NULL,
  alert_count   INTEGER NOT NULL,
  due_alerted   INTEGER NOT NULL DEFAULT 0, -- 1: "due within 12 h" raised, 2: "overdue" raised
  updated_at    INTEGER NOT NULL,
  closed_at     INTEGER
) STRICT;
CREATE INDEX detect_incidents_group ON detect_incidents(group_key, last_alert_at);

CREATE TABLE detect_incident_notes (
  id          INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES detect_incidents(id),
  at          INTEGER NOT NULL,
  author      TEXT NOT NULL,
  status_from TEXT NOT NULL,
  status_to   TEXT NOT NULL,
  note        TEXT NOT NULL
) STRICT;
CREATE INDEX detect_incident_notes_incident ON detect_incident_notes(incident_id, id);

CREATE TABLE detect_blocks (
  ip         TEXT PRIMARY KEY,
  reason     TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
