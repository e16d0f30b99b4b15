import type { CompletedLogin, LinkedExternalId, LinkOutcome, LoginCompletion, LoginRepository } from '../logins.js'
import { MEMBER_EVENT_CHAIN, WHOLE_CHAIN } from './event-chain.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteMemberRepository } from './members.js'
import type { SqliteDatabase } from './open.js'
import type { SqliteSessionRepository } from './sessions.js'
import { toUnixSeconds } from '../../time.js'

interface LinkRow {
  id: number
  telegram_id: number | null
  external_id: string | null
  karma: number
}

/**
 * The one transaction of a login (replay record, member upsert, session rotation), and account
 * linking: an existing site's id attached to a Telegram member, which the member confirms
 * once logged in.
 */
export class SqliteLoginRepository implements LoginRepository {
  private readonly recordHashStatement
  private readonly purgeStatement
  private readonly completeTransaction
  private readonly linkTransaction

  constructor(
    db: SqliteDatabase,
    members: SqliteMemberRepository,
    sessions: SqliteSessionRepository,
    private readonly writes: GroupCommit,
  ) {
    this.recordHashStatement = db.prepare<[{ authDate: number; hash: string; expiresAt: number }]>(
      'INSERT INTO login_replays (auth_date, hash, expires_at) VALUES (@authDate, @hash, @expiresAt) ON CONFLICT DO NOTHING',
    )
    this.purgeStatement = db.prepare<[number]>('DELETE FROM login_replays WHERE expires_at <= ?')
    this.linkTransaction = linkTransaction(db)
    // A plain function: GroupCommit makes it atomic (if it throws, its transaction is rolled back
    // and the other writes run again without it); it touches nothing outside the database, so
    // running it a second time is safe.
    this.completeTransaction = (login: CompletedLogin, now: number): LoginCompletion => {
      const recorded = this.recordHashStatement.run({
        authDate: toUnixSeconds(login.signedAt),
        hash: login.hash,
        expiresAt: toUnixSeconds(login.hashExpiresAt),
      })
      if (recorded.changes === 0) {
        return { ok: false, reason: 'replayed' }
      }
      const userId = members.upsertFromTelegramSync(login.profile, now)
      if (login.previousSessionIdHash !== undefined) sessions.deleteSync(login.previousSessionIdHash)
      sessions.createSync({ ...login.session, userId }, now)
      return { ok: true, userId }
    }
  }

  /**
   * Applies a verified login atomically: either the hash is new and the member, the new session
   * and the end of the old one are all written, or (a replay) nothing is. Committed together
   * with the other logins of the same moment ({@link GroupCommit}); resolves once durable.
   */
  async complete(login: CompletedLogin, now: number): Promise<LoginCompletion> {
    return this.writes.run(() => this.completeTransaction(login, now))
  }

  /**
   * Attaches the existing site's `externalId` to a member, atomically. A member known only by
   * that id is merged into this one: its karma events, groups and memberships move over, its
   * karma is added (so `users.karma` still equals the sum of the ledger) and its empty row is
   * deleted. Refuses, changing nothing, when a member with a Telegram id holds the external id
   * or this member holds another one.
   */
  async linkExternalId(memberId: number, externalId: string, now: number): Promise<LinkOutcome> {
    return this.writes.run(() => {
      return this.linkTransaction.immediate(memberId, externalId, toUnixSeconds(now))
    })
  }

  /** Forgets login hashes whose URLs have expired; returns how many. */
  async purgeExpired(now: number): Promise<number> {
    return this.writes.run(() => {
      return this.purgeStatement.run(toUnixSeconds(now)).changes
    })
  }
}

/** The transaction of {@link LoginRepository.linkExternalId}. */
function linkTransaction(db: SqliteDatabase) {
  const s = {
    byId: db.prepare<[number], LinkRow>('SELECT id, telegram_id, external_id, karma FROM users WHERE id = ?'),
    byExternalId: db.prepare<[string], LinkRow>(
      'SELECT id, telegram_id, external_id, karma FROM users WHERE external_id = ?',
    ),
    chain: db.prepare<{ member: number; limit: number }, { id: number; prev_id: number | null }>(
      `WITH RECURSIVE ${MEMBER_EVENT_CHAIN} SELECT e.id, e.prev_id FROM chain JOIN karma_events e ON e.id = chain.id`,
    ),
    relink: db.prepare<[{ id: number; to: number; prev: number | null }]>(
      'UPDATE karma_events SET user_id = @to, prev_id = @prev WHERE id = @id',
    ),
    setLastEvent: db.prepare<[{ id: number; last: number | null }]>(
      'UPDATE users SET last_event_id = @last WHERE id = @id',
    ),
    copyGroups: db.prepare<[{ from: number; to: number }]>(
      'INSERT OR IGNORE INTO user_groups (user_id, group_id) SELECT @to, group_id FROM user_groups WHERE user_id = @from',
    ),
    // Where both have a state in the same chat, the Telegram member's wins: Telegram knows it.
    copyMemberships: db.prepare<[{ from: number; to: number }]>(
      `INSERT OR IGNORE INTO memberships (user_id, chat_id, state, reason, updated_at)
       SELECT @to, chat_id, state, reason, updated_at FROM memberships WHERE user_id = @from`,
    ),
    addKarma: db.prepare<[{ id: number; karma: number; now: number }]>(
      'UPDATE users SET karma = karma + @karma, updated_at = @now WHERE id = @id',
    ),
    // Its events moved (its chain is empty, so migration 009's trigger lets the row go) and its
    // groups and memberships were copied above; the delete cascades
    // to the originals.
    remove: db.prepare<[number]>('DELETE FROM users WHERE id = ?'),
    setExternalId: db.prepare<[{ id: number; externalId: string; now: number }]>(
      'UPDATE users SET external_id = @externalId, updated_at = @now WHERE id = @id',
    ),
  }
  /** Moves `from`'s events to `to`: the two chains become one, still newest first. */
  const moveEvents = ({ from, to }: { from: number; to: number }): void => {
    const moving = s.chain.all({ member: from, limit: WHOLE_CHAIN })
    if (moving.length === 0) return
    const movingIds = new Set(moving.map((e) => e.id))
    const merged = [...moving, ...s.chain.all({ member: to, limit: WHOLE_CHAIN })].sort((a, b) => b.id - a.id)
    for (const [index, event] of merged.entries()) {
      const prev = merged[index + 1]?.id ?? null
      if (movingIds.has(event.id) || event.prev_id !== prev) s.relink.run({ id: event.id, to, prev })
    }
    s.setLastEvent.run({ id: to, last: merged[0]?.id ?? null })
    // Its chain is empty now, so the row may go (migration 009's trigger refuses otherwise).
    s.setLastEvent.run({ id: from, last: null })
  }
  return db.transaction((memberId: number, externalId: string, now: number): LinkOutcome => {
    const member = s.byId.get(memberId)
    if (!member) throw new Error(`no member ${String(memberId)}`)
    if (member.external_id === externalId) return { ok: true, memberId, externalId, changed: false, merged: null }
    if (member.external_id !== null) return { ok: false, reason: 'member_already_linked' }
    const holder = s.byExternalId.get(externalId)
    if (holder && holder.telegram_id !== null) return { ok: false, reason: 'external_id_taken' }
    let merged: LinkedExternalId['merged'] = null
    if (holder) {
      const ids = { from: holder.id, to: member.id }
      moveEvents(ids)
      s.copyGroups.run(ids)
      s.copyMemberships.run(ids)
      s.addKarma.run({ id: member.id, karma: holder.karma, now })
      s.remove.run(holder.id)
      merged = { memberId: holder.id, karma: holder.karma }
    }
    s.setExternalId.run({ id: member.id, externalId, now })
    return { ok: true, memberId, externalId, changed: true, merged }
  })
}
