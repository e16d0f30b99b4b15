-- The MTProto worker's state, for the admin page and for the worker itself after a restart.
-- One row (id = 1): who is logged in, when the worker was last seen, its last error, and until
-- when Telegram's limits (PEER_FLOOD, USER_RESTRICTED) pause it. Times are Unix seconds.
CREATE TABLE worker_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  user_id        INTEGER,
  user_name      TEXT,
  last_seen_at   INTEGER,
  last_error     TEXT,
  last_error_at  INTEGER,
  paused_until   INTEGER,
  pause_reason   TEXT
) STRICT;

INSERT INTO worker_state (id) VALUES (1);

-- Every supergroup the worker created, so CHATS_PER_DAY counts a rolling 24 h across restarts.
CREATE TABLE worker_chat_creations (
  chat_id    INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX worker_chat_creations_at ON worker_chat_creations (created_at);
