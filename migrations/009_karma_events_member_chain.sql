-- A member's karma events are found through a chain instead of the (user_id, id) index: each
-- event names the member's previous event (prev_id), and the member names their latest
-- (users.last_event_id). A batch of karma events goes to about as many members as events, so
-- that index took an entry on a different page for almost every event, and every commit wrote
-- hundreds of scattered index pages to the WAL; the chain costs one column in rows written
-- anyway (the event, and the member's row, whose karma moves in the same transaction).
--
-- The foreign key goes with the index: without an index on user_id, deleting a member would
-- scan the whole ledger to cascade. A member with events can no longer be deleted at all (the
-- trigger below): their events are moved first, as linking accounts does.
--
-- SQLite cannot drop a column's constraint in place, so the table is rebuilt.

CREATE TABLE karma_events_009 (
  id              INTEGER PRIMARY KEY,
  user_id         INTEGER NOT NULL,
  delta           INTEGER NOT NULL CHECK (delta <> 0 AND delta BETWEEN -1000000 AND 1000000),
  reason          TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  source          TEXT NOT NULL CHECK (source IN ('admin', 'api', 'bot')),
  actor           TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  -- SHA-256 of what was asked, so a replayed key with another payload is told apart (409).
  request_hash    TEXT NOT NULL,
  karma_after     INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  -- The same member's previous event (a smaller id), null for their first.
  prev_id         INTEGER
) STRICT;

INSERT INTO karma_events_009
  (id, user_id, delta, reason, source, actor, idempotency_key, request_hash, karma_after, created_at, prev_id)
SELECT id, user_id, delta, reason, source, actor, idempotency_key, request_hash, karma_after, created_at,
       lag(id) OVER (PARTITION BY user_id ORDER BY id)
FROM karma_events;

-- The member's latest event, null when they have none: where their chain starts.
ALTER TABLE users ADD COLUMN last_event_id INTEGER;
UPDATE users SET last_event_id = (SELECT max(e.id) FROM karma_events e WHERE e.user_id = users.id);

DROP TABLE karma_events;
ALTER TABLE karma_events_009 RENAME TO karma_events;

CREATE TRIGGER users_keep_karma_events BEFORE DELETE ON users
WHEN OLD.last_event_id IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'a member with karma events cannot be deleted: move the events first');
END;
