-- Agencies, accounts, password history and sessions (issue 4).
CREATE TABLE agencies (
  code          TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  quota_per_day INTEGER,              -- NULL: [quota] agency_per_day
  created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  id                   INTEGER PRIMARY KEY,
  username             TEXT NOT NULL UNIQUE,
  full_name            TEXT NOT NULL,
  agency               TEXT NOT NULL REFERENCES agencies(code),
  role                 TEXT NOT NULL CHECK (role IN ('admin', 'agency_admin', 'officer', 'auditor')),
  status               TEXT NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active', 'locked', 'suspended', 'disabled')),
  status_reason        TEXT NOT NULL DEFAULT '',
  password_hash        TEXT NOT NULL,
  password_changed_at  INTEGER NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  quota_per_minute     INTEGER,         -- NULL: [quota] user_per_minute
  quota_per_day        INTEGER,         -- NULL: [quota] user_per_day
  failed_count         INTEGER NOT NULL DEFAULT 0,
  failed_window_start  INTEGER NOT NULL DEFAULT 0,
  locked_until         INTEGER NOT NULL DEFAULT 0,  -- 0 with status locked: until an admin unlocks
  lock_count           INTEGER NOT NULL DEFAULT 0,  -- locks since first_lock_at (24 h window)
  first_lock_at        INTEGER NOT NULL DEFAULT 0,
  last_login_at        INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX users_agency ON users(agency);

CREATE TABLE password_history (
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash       TEXT NOT NULL,
  changed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX password_history_user ON password_history(user_id, changed_at);

-- Tokens are stored only as BLAKE2b-256 hashes; the token itself lives in the cookie.
CREATE TABLE sessions (
  token_hash   BLOB PRIMARY KEY,
  csrf_hash    BLOB NOT NULL,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ip           TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);
