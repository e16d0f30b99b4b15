-- Jobs run several at a time; these columns keep that safe.
-- lane: the Telegram chat a job writes to (a member's private chat); one job of a lane runs at a
--   time, across every process, so a member never gets two messages at once.
-- lease_token: who holds a running job's lease; renewing, finishing or failing it needs the
--   token, so a runner that lost its lease (it stalled, another took the job over) changes nothing.
-- calls_in_doubt: Telegram calls of a job whose outcome is unknown: counted before each call and
--   taken back when Telegram answers with a refusal; a crash or a timeout leaves it counted, so the
--   next attempt knows whether the member may already have the message.
ALTER TABLE jobs ADD COLUMN lane TEXT;
ALTER TABLE jobs ADD COLUMN lease_token TEXT;
ALTER TABLE jobs ADD COLUMN calls_in_doubt INTEGER NOT NULL DEFAULT 0 CHECK (calls_in_doubt >= 0);

CREATE INDEX jobs_running_lane ON jobs (lane) WHERE state = 'running' AND lane IS NOT NULL;
