-- Members, their sessions, and the login hashes already used.
-- Times are Unix seconds. Tables are STRICT so a wrong type is an error, not a silent cast.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  -- Each is optional: the existing site may push karma before its user links Telegram.
  telegram_id   INTEGER UNIQUE CHECK (telegram_id > 0),
  external_id   TEXT UNIQUE,
  first_name    TEXT NOT NULL DEFAULT '',
  last_name     TEXT,
  username      TEXT,
  photo_url     TEXT,
  -- Cached sum of the karma ledger; changes only in the transaction that appends an event.
  karma         INTEGER NOT NULL DEFAULT 0,
  -- Whether the bot may write to this member first (granted at login or by /start).
  can_dm        INTEGER NOT NULL DEFAULT 0 CHECK (can_dm IN (0, 1)),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  last_login_at INTEGER
) STRICT;

CREATE INDEX users_username ON users (username COLLATE NOCASE);

-- Server-side sessions. The cookie holds a random 256-bit id; only its keyed hash is stored,
-- so a copy of the database does not let anyone ride a session.
CREATE TABLE sessions (
  id_hash    TEXT PRIMARY KEY,
  -- NULL for a visitor who is not logged in yet but has somewhere to go back to.
  user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
  data       TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- A signed login URL works once: its hash is kept until the URL would have expired anyway.
CREATE TABLE login_replays (
  hash       TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX login_replays_expires_at ON login_replays (expires_at);
