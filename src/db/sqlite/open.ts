import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** A better-sqlite3 connection, as the repositories in `db/` use it. */
export type SqliteDatabase = Database.Database

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long a writer waits for another process's lock before `SQLITE_BUSY`. @default 5000 */
  readonly busyTimeoutMs?: number
  /**
   * Page size, in bytes, of a database this call creates. An existing database keeps the size
   * it was created with (changing it takes a `VACUUM` outside WAL mode).
   * @default 4096
   */
  readonly pageSize?: number
}

/**
 * Opens (creating it and its folder if needed) the SQLite database at `path` with the pragmas
 * karmagate relies on: WAL so the web process and the worker read while the other writes,
 * foreign keys enforced, and a busy timeout instead of immediate lock errors.
 *
 * `synchronous = NORMAL` is WAL's recommended setting: a committed transaction survives a crash
 * of the process; only a power loss can lose the last few commits.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  // Only takes effect before the first write: journal_mode = WAL below creates the file.
  if (options.pageSize !== undefined) db.pragma(`page_size = ${String(options.pageSize)}`)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${String(options.busyTimeoutMs ?? 5000)}`)
  return db
}
