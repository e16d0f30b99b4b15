import type { AdminStatsRepository, KarmaBuckets, KarmaRange, MemberChat } from '../admin-stats.js'
import type { KarmaEvent } from '../../karma/events.js'
import { MEMBER_EVENT_CHAIN } from './event-chain.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds } from '../../time.js'

/**
 * Read-only queries behind the admin site's dashboard and member pages. Aggregates run in
 * SQL, so a million members never cross into JavaScript one by one.
 */
export class SqliteAdminStatsRepository implements AdminStatsRepository {
  private readonly s

  constructor(db: SqliteDatabase) {
    this.s = {
      range: db.prepare<[], { members: number; lowest: number | null; highest: number | null }>(
        'SELECT count(*) AS members, min(karma) AS lowest, max(karma) AS highest FROM users',
      ),
      // better-sqlite3 binds JS numbers as REAL: the casts keep the division an integer one,
      // and karma ≥ origin keeps it a floor.
      buckets: db.prepare<[{ origin: number; width: number }], { bucket: number; n: number }>(
        `SELECT (karma - CAST(@origin AS INTEGER)) / CAST(@width AS INTEGER) AS bucket, count(*) AS n
         FROM users WHERE karma >= CAST(@origin AS INTEGER) GROUP BY bucket`,
      ),
      events: db.prepare<{ member: number; limit: number }, KarmaEvent>(
        `WITH RECURSIVE ${MEMBER_EVENT_CHAIN}
         SELECT e.id, e.user_id AS memberId, e.delta, e.reason, e.source, e.actor, e.idempotency_key AS idempotencyKey,
                e.karma_after AS karmaAfter, e.created_at AS createdAt
         FROM chain JOIN karma_events e ON e.id = chain.id ORDER BY chain.n`,
      ),
      chats: db.prepare<[number], MemberChat>(
        `SELECT m.chat_id AS chatId, c.title AS chatTitle, m.state, m.reason, m.updated_at AS updatedAt
         FROM memberships m JOIN chats c ON c.id = m.chat_id WHERE m.user_id = ? ORDER BY c.title, c.id`,
      ),
    }
  }

  /** How many members there are and the lowest and highest karma among them. */
  async karmaRange(): Promise<KarmaRange> {
    return this.s.range.get() ?? { members: 0, lowest: null, highest: null }
  }

  /**
   * Counts members per karma bucket, bucketed by SQL (`GROUP BY`), for `bucketCount` buckets
   * of `width` starting at `origin`. Karma outside them is not counted.
   */
  async karmaBuckets(origin: number, width: number, bucketCount: number): Promise<KarmaBuckets> {
    if (!Number.isSafeInteger(origin) || !Number.isSafeInteger(width) || width < 1)
      throw new RangeError('origin and width must be integers, width ≥ 1')
    const counts = new Array<number>(bucketCount).fill(0)
    for (const row of this.s.buckets.all({ origin, width })) {
      if (row.bucket < bucketCount) counts[row.bucket] = row.n
    }
    return { origin, width, counts }
  }

  /** A member's newest karma events, newest first. */
  async recentKarmaEvents(memberId: number, limit: number): Promise<KarmaEvent[]> {
    return this.s.events
      .all({ member: memberId, limit })
      .map((e) => ({ ...e, createdAt: fromUnixSeconds(e.createdAt) }))
  }

  /** Every chat a member has a membership in, whatever its state. */
  async memberChats(memberId: number): Promise<MemberChat[]> {
    return this.s.chats.all(memberId).map((c) => ({ ...c, updatedAt: fromUnixSeconds(c.updatedAt) }))
  }
}
