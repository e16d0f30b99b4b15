-- Used login hashes, ordered by the date Telegram signed into them instead of by the hash.
-- Keyed by the hash alone, every login wrote to a random page of this table's B-tree (one more
-- WAL frame per login, and a slower checkpoint); keyed by (auth_date, hash) the logins of one
-- moment land on the same last page. It refuses replays just as well: the hash signs auth_date,
-- so a replayed URL brings the same pair. The expiry needs no index: the table only holds the
-- logins of the last LOGIN_MAX_AGE_SECONDS, and the purge runs now and then.
--
-- Rows from before this migration do not know their auth_date: they are kept with auth_date
-- -1, which the login transaction also looks up, until they expire.

CREATE TABLE login_replays_by_date (
  auth_date  INTEGER NOT NULL,
  hash       TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (auth_date, hash)
) STRICT, WITHOUT ROWID;

INSERT INTO login_replays_by_date (auth_date, hash, expires_at)
  SELECT -1, hash, expires_at FROM login_replays;

DROP TABLE login_replays;
ALTER TABLE login_replays_by_date RENAME TO login_replays;
