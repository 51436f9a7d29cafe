-- Service credentials (issue 17): systems, not people, such as the province's
-- one-stop software pushing dossiers. Each has a name, the scopes it may use, an
-- optional agency it is bound to ('' = the whole province) and the BLAKE2b-256
-- hash of its current API token; the token itself is never stored. Rotating
-- replaces the hash (the old token is dead at once); disabling keeps the row so
-- that its name stays taken and the audit log's actor stays unambiguous.
CREATE TABLE services (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  scopes       TEXT NOT NULL,                -- comma-separated, canonical order: dossiers:write,indicators:read
  agency       TEXT NOT NULL DEFAULT '',     -- '' : province-wide
  token_hash   BLOB NOT NULL UNIQUE,         -- BLAKE2b-256 of the token's 32 random bytes
  created_at   INTEGER NOT NULL,
  rotated_at   INTEGER NOT NULL DEFAULT 0,   -- 0: never rotated
  last_used_at INTEGER NOT NULL DEFAULT 0,   -- updated at most once a minute
  disabled     INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  disabled_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
