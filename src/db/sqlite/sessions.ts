import type { SessionData, SessionRepository, StoredSession } from '../sessions.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface SessionRow {
  id_hash: string
  user_id: number | null
  data: string
  expires_at: number
}

function parseData(json: string): SessionData {
  try {
    const value: unknown = JSON.parse(json)
    if (value && typeof value === 'object') {
      const returnTo = (value as Record<string, unknown>).returnTo
      return typeof returnTo === 'string' ? { returnTo } : {}
    }
  } catch {
    // A corrupt row is treated as empty data rather than failing every request of its visitor.
  }
  return {}
}

/** Server-side sessions. */
export class SqliteSessionRepository implements SessionRepository {
  private readonly findStatement
  private readonly insertStatement
  private readonly deleteStatement
  private readonly purgeStatement

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.findStatement = db.prepare<[string, number], SessionRow>(
      'SELECT id_hash, user_id, data, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?',
    )
    this.insertStatement = db.prepare<[string, number | null, string, number, number]>(
      'INSERT INTO sessions (id_hash, user_id, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    )
    this.deleteStatement = db.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?')
    this.purgeStatement = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?')
  }

  /** The live session with this id hash, if it exists and has not expired at `now`. */
  async find(idHash: string, now: number): Promise<StoredSession | undefined> {
    const row = this.findStatement.get(idHash, toUnixSeconds(now))
    return (
      row && {
        idHash: row.id_hash,
        userId: row.user_id,
        data: parseData(row.data),
        expiresAt: fromUnixSeconds(row.expires_at),
      }
    )
  }

  /** Stores a new session. */
  async create(session: StoredSession, now: number): Promise<void> {
    return this.writes.run(() => {
      this.createSync(session, now)
    })
  }

  /** @internal for use inside another repository's transaction */
  createSync(session: StoredSession, now: number): void {
    this.insertStatement.run(
      session.idHash,
      session.userId,
      JSON.stringify(session.data),
      toUnixSeconds(now),
      toUnixSeconds(session.expiresAt),
    )
  }

  /** Ends a session; ending one that does not exist is not an error. */
  async delete(idHash: string): Promise<void> {
    return this.writes.run(() => {
      this.deleteSync(idHash)
    })
  }

  /** @internal for use inside another repository's transaction */
  deleteSync(idHash: string): void {
    this.deleteStatement.run(idHash)
  }

  /** Removes sessions expired at `now`; returns how many. */
  async purgeExpired(now: number): Promise<number> {
    return this.writes.run(() => {
      return this.purgeStatement.run(toUnixSeconds(now)).changes
    })
  }
}
