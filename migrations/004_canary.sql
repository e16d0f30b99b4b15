-- The login canary's last result (see src/worker/canary/): one row (id = 1), overwritten by each
-- run, read by GET /healthz?deep=1 and the admin page. Only the last result matters for health;
-- the worker's log keeps the history. checked_at is Unix seconds; NULL until the first run.
CREATE TABLE canary_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  ok           INTEGER CHECK (ok IN (0, 1)),
  checked_at   INTEGER,
  error        TEXT,
  duration_ms  INTEGER
) STRICT;

INSERT INTO canary_state (id) VALUES (1);
