-- When Telegram asks the whole bot (429 retry_after) or the worker's account (FLOOD_WAIT_X) to
-- wait, or its API keeps failing, every process stops calling it until `until` (ms since the
-- epoch). One row per account; a later, shorter wait never shortens a longer one.
CREATE TABLE telegram_holds (
  account    TEXT PRIMARY KEY CHECK (account IN ('bot', 'worker')),
  until      INTEGER NOT NULL,
  reason     TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
