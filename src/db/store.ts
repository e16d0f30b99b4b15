import { LoginRepository } from './logins.js'
import { MemberRepository } from './members.js'
import { migrate, type MigrationReport } from './migrate.js'
import { openDatabase, type SqliteDatabase } from './open.js'
import { SessionRepository } from './sessions.js'

/**
 * Every repository over one database. The signatures are async although SQLite answers
 * synchronously, so another engine can stand behind them without touching callers.
 */
export interface Store {
  readonly members: MemberRepository
  readonly sessions: SessionRepository
  readonly logins: LoginRepository
  /** Resolves when the database answers a query; rejects otherwise. */
  ping(): Promise<void>
  /** Closes the connection; the store is unusable afterwards. */
  close(): void
}

/** Builds the repositories over an open, migrated database. */
export function createStore(db: SqliteDatabase): Store {
  const members = new MemberRepository(db)
  const sessions = new SessionRepository(db)
  const logins = new LoginRepository(db, members, sessions)
  const ping = db.prepare('SELECT 1')
  return {
    members,
    sessions,
    logins,
    ping: async () => {
      ping.get()
    },
    close: () => {
      if (db.open) db.close()
    },
  }
}

/** Opens the database at `path`, applies pending migrations and builds the store. */
export function openStore(path: string): { store: Store; migrations: MigrationReport } {
  const db = openDatabase(path)
  try {
    const migrations = migrate(db)
    return { store: createStore(db), migrations }
  } catch (error) {
    db.close()
    throw error
  }
}
