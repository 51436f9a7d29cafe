-- Account lifecycle and the second factor (issue 9): TOTP secrets (encrypted,
-- since the server must compute codes from them), recovery codes (keyed hashes
-- only), staff changes waiting for their date or already applied, and the
-- dormant-account warnings already given.
CREATE TABLE user_totp (
  user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_box   BLOB NOT NULL,               -- nonce || crypto_secretbox(secret), key in DATA/keys/totp.key
  confirmed_at INTEGER NOT NULL DEFAULT 0,  -- 0: enrolment started, not confirmed
  last_step    INTEGER NOT NULL DEFAULT 0,  -- the newest 30-s step accepted: no code is used twice
  created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE user_recovery_codes (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash    BLOB NOT NULL,                    -- BLAKE2b-256 keyed with a subkey of totp.key
  used_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, hash)
) STRICT;

CREATE TABLE staff_changes (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL,
  agency        TEXT NOT NULL,               -- the account's agency when requested
  kind          TEXT NOT NULL CHECK (kind IN ('leave', 'transfer', 'role')),
  effective_day INTEGER NOT NULL,            -- local day number (Asia/Ho_Chi_Minh)
  to_agency     TEXT NOT NULL DEFAULT '',
  to_role       TEXT NOT NULL DEFAULT '',
  reference     TEXT NOT NULL,               -- the agency's letter number
  requested_by  TEXT NOT NULL,
  requested_at  INTEGER NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'failed')),
  applied_at    INTEGER NOT NULL DEFAULT 0,
  result        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX staff_changes_due ON staff_changes(status, effective_day);

-- One warning per account per period of inactivity (`since` is the activity
-- time the warning was computed from; a later sign-in starts a new period).
CREATE TABLE dormant_warnings (
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  since     INTEGER NOT NULL,
  warned_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, since)
) STRICT;
