import type { MemberRepository, TelegramProfile } from './members.js'
import type { SqliteDatabase } from './open.js'
import type { SessionRepository, StoredSession } from './sessions.js'

/** Everything a verified Telegram login changes, applied by {@link LoginRepository.complete}. */
export interface CompletedLogin {
  /** The login's hash: recorded so the same signed URL cannot log in again. */
  readonly hash: string
  /** When the hash may be forgotten: once the signed URL would be too old anyway. */
  readonly hashExpiresAt: number
  readonly profile: TelegramProfile
  /** The new session, without its user id (filled in here). */
  readonly session: Omit<StoredSession, 'userId'>
  /** The visitor's previous session, ended here so a session id never survives a login. */
  readonly previousSessionIdHash: string | undefined
}

/** Outcome of {@link LoginRepository.complete}. */
export type LoginCompletion = { readonly ok: true; readonly userId: number } | { readonly ok: false; readonly reason: 'replayed' }

/** The one transaction of a login: replay record, member upsert, session rotation. */
export class LoginRepository {
  private readonly recordHashStatement
  private readonly purgeStatement
  private readonly completeTransaction

  constructor(db: SqliteDatabase, members: MemberRepository, sessions: SessionRepository) {
    this.recordHashStatement = db.prepare<[string, number]>(
      'INSERT INTO login_replays (hash, expires_at) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING',
    )
    this.purgeStatement = db.prepare<[number]>('DELETE FROM login_replays WHERE expires_at <= ?')
    this.completeTransaction = db.transaction((login: CompletedLogin, now: number): LoginCompletion => {
      if (this.recordHashStatement.run(login.hash, login.hashExpiresAt).changes === 0) {
        return { ok: false, reason: 'replayed' }
      }
      const userId = members.upsertFromTelegramSync(login.profile, now)
      if (login.previousSessionIdHash !== undefined) sessions.deleteSync(login.previousSessionIdHash)
      sessions.createSync({ ...login.session, userId }, now)
      return { ok: true, userId }
    })
  }

  /**
   * Applies a verified login atomically: either the hash is new and the member, the new session
   * and the end of the old one are all written, or (a replay) nothing is.
   */
  async complete(login: CompletedLogin, now: number): Promise<LoginCompletion> {
    return this.completeTransaction.immediate(login, now)
  }

  /** Forgets login hashes whose URLs have expired; returns how many. */
  async purgeExpired(now: number): Promise<number> {
    return this.purgeStatement.run(now).changes
  }
}
