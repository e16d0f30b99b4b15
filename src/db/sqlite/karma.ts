import type { KarmaRepository } from '../karma.js'
import { thresholdsOf } from '../../access/eligibility.js'
import type { KarmaAppendResult, KarmaSource, ValidKarmaEvent } from '../../karma/events.js'
import {
  externalIdsToCreate,
  type LedgerMember,
  type LedgerPlan,
  planAppend,
  type StoredKarmaEvent,
} from '../../karma/plan.js'
import { MEMBER_EVENT_CHAIN, WHOLE_CHAIN } from './event-chain.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import type { SqliteReconcileRepository } from './reconcile.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

const EVENT_COLUMNS = `e.id, e.user_id AS memberId, e.delta, e.reason, e.source, e.actor,
  e.idempotency_key AS idempotencyKey, e.request_hash AS requestHash, e.karma_after AS karmaAfter, e.created_at AS createdAt`

const MEMBER_COLUMNS =
  'u.id, u.telegram_id AS telegramId, u.external_id AS externalId, u.karma, u.last_event_id AS lastEventId'

/** A stored event as its row gives it: `createdAt` in Unix seconds. */
const stored = (row: StoredKarmaEvent): StoredKarmaEvent => ({ ...row, createdAt: fromUnixSeconds(row.createdAt) })

/** A {@link LedgerMember} as a raw statement gives it, in {@link MEMBER_COLUMNS}' order. */
type MemberTuple = [
  id: number,
  telegramId: number | null,
  externalId: string | null,
  karma: number,
  lastEventId: number | null,
]

// Rows of a batch's many members come back as arrays: better-sqlite3 builds a row object
// property by property, which costs more than building it here.
const fromTuple = ([id, telegramId, externalId, karma, lastEventId]: MemberTuple): LedgerMember => ({
  id,
  telegramId,
  externalId,
  karma,
  lastEventId,
})

/**
 * The karma ledger's storage. A batch's events are appended and `users.karma` moved in one
 * transaction (a write of a group commit, all or nothing), so the cached karma always equals the
 * sum of the ledger; members whose karma crossed a rule's line are reconciled in that same
 * transaction, so no change can be lost between them. The rules of appending are
 * `src/karma/plan.ts`'s; this reads what they need and writes what they decide.
 *
 * A batch is set-based: one query for the idempotency keys already used, one per kind of member
 * reference, the events through one prepared statement with their ids given (each names the
 * member's previous event, see `event-chain.ts`, so no index on `user_id` is written), one
 * update per member.
 */
export class SqliteKarmaRepository implements KarmaRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    private readonly reconcile: SqliteReconcileRepository,
    private readonly writes: GroupCommit,
    private readonly clock: () => number = Date.now,
  ) {
    this.s = {
      byKey: db.prepare<[string], StoredKarmaEvent>(
        `SELECT ${EVENT_COLUMNS} FROM karma_events e WHERE e.idempotency_key = ?`,
      ),
      // CROSS JOIN keeps the key list as the outer loop: one index probe per key.
      byKeys: db.prepare<[string], StoredKarmaEvent>(
        `SELECT ${EVENT_COLUMNS} FROM json_each(?) AS j CROSS JOIN karma_events AS e ON e.idempotency_key = j.value`,
      ),
      memberById: db.prepare<[number], LedgerMember>(`SELECT ${MEMBER_COLUMNS} FROM users u WHERE u.id = ?`),
      memberByTelegramId: db.prepare<[number], LedgerMember>(
        `SELECT ${MEMBER_COLUMNS} FROM users u WHERE u.telegram_id = ?`,
      ),
      memberByExternalId: db.prepare<[string], LedgerMember>(
        `SELECT ${MEMBER_COLUMNS} FROM users u WHERE u.external_id = ?`,
      ),
      membersById: db
        .prepare<[string], MemberTuple>(
          `SELECT ${MEMBER_COLUMNS} FROM json_each(?) AS j CROSS JOIN users AS u ON u.id = j.value`,
        )
        .raw(true),
      membersByTelegramId: db
        .prepare<[string], MemberTuple>(
          `SELECT ${MEMBER_COLUMNS} FROM json_each(?) AS j CROSS JOIN users AS u ON u.telegram_id = j.value`,
        )
        .raw(true),
      // The site may push karma before its user links Telegram: such a member starts without it.
      insertExternal: db.prepare<[{ externalId: string; now: number }], LedgerMember>(
        `INSERT INTO users (external_id, created_at, updated_at) VALUES (@externalId, @now, @now)
         RETURNING id, telegram_id AS telegramId, external_id AS externalId, karma, last_event_id AS lastEventId`,
      ),
      lastEventId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM karma_events'),
      // Ids are given, not left to SQLite: inside the write transaction nobody else can take them.
      // Positional: binding an object per event costs more than the insert.
      insertEvent: db.prepare<
        [number, number, number, string, KarmaSource, string, string, string, number, number, number | null]
      >(
        `INSERT INTO karma_events (id, user_id, delta, reason, source, actor, idempotency_key, request_hash, karma_after, created_at, prev_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      addKarma: db.prepare<[number, number | null, number, number]>(
        'UPDATE users SET karma = karma + ?, last_event_id = ?, updated_at = ? WHERE id = ?',
      ),
      ruleLines: db.prepare<[], { minKarma: number; removeBelow: number | null }>(
        'SELECT min_karma AS minKarma, remove_below AS removeBelow FROM rules WHERE enabled = 1',
      ),
      ledgerSum: db.prepare<{ member: number; limit: number }, { total: number | null }>(
        `WITH RECURSIVE ${MEMBER_EVENT_CHAIN} SELECT sum(e.delta) AS total FROM chain JOIN karma_events e ON e.id = chain.id`,
      ),
    }
  }

  /** Every event already stored under one of `keys`, by key. */
  private storedEvents(keys: readonly string[]): Map<string, StoredKarmaEvent> {
    const found = new Map<string, StoredKarmaEvent>()
    const [only] = keys
    if (keys.length === 1 && only !== undefined) {
      const row = this.s.byKey.get(only)
      if (row) found.set(row.idempotencyKey, stored(row))
    } else if (keys.length > 1) {
      for (const row of this.s.byKeys.all(JSON.stringify(keys))) found.set(row.idempotencyKey, stored(row))
    }
    return found
  }

  private fetch<K>(
    keys: ReadonlySet<K>,
    one: { get(key: K): LedgerMember | undefined },
    many: { all(keys: string): MemberTuple[] },
  ): readonly LedgerMember[] {
    const [only] = keys
    if (only === undefined) return []
    if (keys.size === 1) {
      const row = one.get(only)
      return row ? [row] : []
    }
    return many.all(JSON.stringify([...keys])).map(fromTuple)
  }

  /**
   * The write of a batch: read what the plan needs, create the members that external ids new to
   * the store name, plan, write. Run only through the group commit, which makes it all or nothing
   * (when it throws, its transaction is rolled back and the other writes run again without it); it
   * has no effect outside the database, so running it again is safe.
   */
  private appendAll(events: readonly ValidKarmaEvent[]): KarmaAppendResult[] {
    const nowMs = this.clock()
    const now = toUnixSeconds(nowMs)
    const stored = this.storedEvents(events.map((e) => e.idempotencyKey))
    const telegramIds = new Set<number>()
    const externalIds = new Set<string>()
    const ids = new Set<number>()
    for (const event of events) {
      const previous = stored.get(event.idempotencyKey)
      if (previous) ids.add(previous.memberId)
      else if ('telegramId' in event.member) telegramIds.add(event.member.telegramId)
      else if ('externalId' in event.member) externalIds.add(event.member.externalId)
      else ids.add(event.member.memberId)
    }
    const byTelegramId = new Map<number, LedgerMember>()
    for (const m of this.fetch(telegramIds, this.s.memberByTelegramId, this.s.membersByTelegramId)) {
      if (m.telegramId !== null) byTelegramId.set(m.telegramId, m)
    }
    // One by one: an external id is any text, and a lone surrogate would not survive a trip
    // through JSON to be compared with the stored value (numbers and ASCII keys do).
    const byExternalId = new Map<string, LedgerMember>()
    for (const externalId of externalIds) {
      const m = this.s.memberByExternalId.get(externalId)
      if (m) byExternalId.set(externalId, m)
    }
    for (const externalId of externalIdsToCreate(events, stored, byExternalId)) {
      const m = this.s.insertExternal.get({ externalId, now })
      if (!m) throw new Error('insert returned no row')
      byExternalId.set(externalId, m)
    }
    const byId = new Map<number, LedgerMember>()
    for (const m of this.fetch(ids, this.s.memberById, this.s.membersById)) byId.set(m.id, m)

    const plan: LedgerPlan = planAppend(events, {
      stored,
      byTelegramId,
      byExternalId,
      byId,
      thresholds: thresholdsOf(this.s.ruleLines.all()),
      firstId: (this.s.lastEventId.get()?.id ?? 0) + 1,
      // As stored (whole seconds), so a replay later gives the same event back.
      now: fromUnixSeconds(now),
    })
    for (const { event: e, requestHash, prevId } of plan.inserts) {
      this.s.insertEvent.run(
        e.id,
        e.memberId,
        e.delta,
        e.reason,
        e.source,
        e.actor,
        e.idempotencyKey,
        requestHash,
        e.karmaAfter,
        now,
        prevId,
      )
    }
    for (const u of plan.memberUpdates) this.s.addKarma.run(u.delta, u.lastEventId, now, u.memberId)
    if (plan.crossed.length > 0) this.reconcile.reconcileSync({ kind: 'members', memberIds: plan.crossed }, nowMs)
    return plan.results
  }

  /**
   * Appends one event (or replays its key); throws `KarmaError`. Committed with the other writes
   * of the same moment ({@link GroupCommit}); resolves once durable.
   */
  async append(event: ValidKarmaEvent): Promise<KarmaAppendResult> {
    const [result] = await this.writes.run(() => this.appendAll([event]))
    if (!result) throw new Error('no result')
    return result
  }

  /**
   * Appends events all or nothing, in order; a refused one throws `KarmaError` with its `index`.
   * Committed as {@link append} is: batches sent together share one commit.
   */
  async appendBatch(events: readonly ValidKarmaEvent[]): Promise<KarmaAppendResult[]> {
    return this.writes.run(() => this.appendAll(events))
  }

  /** The sum of a member's ledger, for checking the cached karma against it. */
  async ledgerSum(memberId: number): Promise<number> {
    return this.s.ledgerSum.get({ member: memberId, limit: WHOLE_CHAIN })?.total ?? 0
  }
}
