-- Groups, the karma ledger, chats and rules, memberships, the durable job queue, and the tables
-- the admin site, the REST API and the bot's conversations keep. Times are Unix seconds, except
-- the job queue's run_after / lease_until, in milliseconds because it throttles below a second.

CREATE TABLE groups (
  id         INTEGER PRIMARY KEY,
  slug       TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64 AND slug NOT GLOB '*[^a-z0-9_-]*'),
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_at INTEGER NOT NULL
) STRICT;

INSERT INTO groups (slug, name, created_at) VALUES
  ('webmasters', 'Webmasters', unixepoch()),
  ('clients', 'Clients', unixepoch());

CREATE TABLE user_groups (
  user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, group_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX user_groups_group_id ON user_groups (group_id, user_id);

-- Append-only. users.karma is the sum of a member's deltas, updated in the same transaction.
CREATE TABLE karma_events (
  id              INTEGER PRIMARY KEY,
  user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  delta           INTEGER NOT NULL CHECK (delta <> 0 AND delta BETWEEN -1000000 AND 1000000),
  reason          TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  source          TEXT NOT NULL CHECK (source IN ('admin', 'api', 'bot')),
  actor           TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  -- SHA-256 of what was asked, so a replayed key with another payload is told apart (409).
  request_hash    TEXT NOT NULL,
  karma_after     INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX karma_events_user_id ON karma_events (user_id, id);

-- Private supergroups, created by the worker: pending until it has, then active or failed.
CREATE TABLE chats (
  id               INTEGER PRIMARY KEY,
  title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 128),
  description      TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 255),
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'failed')),
  telegram_chat_id INTEGER UNIQUE,
  -- The one join-request link the bot keeps for this chat.
  invite_link      TEXT,
  -- What my_chat_member last told about the bot here: administrator, member, left, kicked …
  bot_status       TEXT,
  bot_can_invite   INTEGER NOT NULL DEFAULT 0 CHECK (bot_can_invite IN (0, 1)),
  bot_can_restrict INTEGER NOT NULL DEFAULT 0 CHECK (bot_can_restrict IN (0, 1)),
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
) STRICT;

-- group → chat with thresholds. remove_below NULL never removes; the gap up to min_karma is the
-- hysteresis that keeps a member sitting at the line from being kicked by a -2.
CREATE TABLE rules (
  id           INTEGER PRIMARY KEY,
  group_id     INTEGER REFERENCES groups (id) ON DELETE CASCADE, -- NULL: every member
  chat_id      INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  min_karma    INTEGER NOT NULL CHECK (min_karma BETWEEN -1000000000 AND 1000000000),
  remove_below INTEGER CHECK (remove_below IS NULL OR remove_below <= min_karma),
  enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX rules_chat_id ON rules (chat_id);
CREATE INDEX rules_group_id ON rules (group_id);

CREATE TABLE memberships (
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  state      TEXT NOT NULL CHECK (state IN ('eligible', 'invited', 'member', 'removed')),
  reason     TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, chat_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX memberships_chat_state ON memberships (chat_id, state);

-- Durable work for Telegram. At least once: every handler is idempotent.
CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  owner        TEXT NOT NULL CHECK (owner IN ('bot', 'worker')),
  payload      TEXT NOT NULL,
  dedupe_key   TEXT,
  state        TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
  run_after    INTEGER NOT NULL,
  lease_until  INTEGER,
  last_error   TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

-- The same work is never queued twice while it is waiting or running.
CREATE UNIQUE INDEX jobs_dedupe_key_active ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_claimable ON jobs (owner, state, run_after);

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_log_at ON audit_log (at);

-- Bearer keys for the REST API: only a hash is kept; the key is shown once.
CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix       TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) STRICT;

-- grammY conversations' state, so an admin's /rules conversation survives a restart.
CREATE TABLE bot_storage (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
