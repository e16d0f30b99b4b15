import { crossesThreshold, thresholdsOf } from '../access/eligibility.js'
import {
  KarmaError,
  type KarmaEvent,
  type KarmaEventRequest,
  karmaRequestHash,
  type KarmaSource,
  validateKarmaEvent,
} from '../karma/events.js'
import { MEMBER_EVENT_CHAIN, WHOLE_CHAIN } from './event-chain.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import type { ReconcileRepository } from './reconcile.js'

/** A member as a karma event reports it. */
export interface KarmaMember {
  readonly id: number
  readonly telegramId: number | null
  readonly externalId: string | null
  readonly karma: number
}

/** The result of appending one event; a replayed key gives back the first result. */
export interface KarmaAppendResult {
  readonly event: KarmaEvent
  readonly member: KarmaMember
  /** True when the idempotency key had been used with the same event before. */
  readonly replayed: boolean
}

interface EventRow {
  id: number
  user_id: number
  delta: number
  reason: string
  source: KarmaSource
  actor: string
  idempotency_key: string
  request_hash: string
  karma_after: number
  created_at: number
}

interface MemberRow {
  id: number
  telegram_id: number | null
  external_id: string | null
  karma: number
  /** Where the member's chain of events starts (migration 009). */
  last_event_id: number | null
}

const toEvent = (r: EventRow): KarmaEvent => ({
  id: r.id,
  memberId: r.user_id,
  delta: r.delta,
  reason: r.reason,
  source: r.source,
  actor: r.actor,
  idempotencyKey: r.idempotency_key,
  karmaAfter: r.karma_after,
  createdAt: r.created_at,
})

const toMember = (r: MemberRow, karma: number): KarmaMember => ({
  id: r.id,
  telegramId: r.telegram_id,
  externalId: r.external_id,
  karma,
})

const MEMBER_COLUMNS = 'u.id, u.telegram_id, u.external_id, u.karma, u.last_event_id'

/** A {@link MemberRow} as a raw statement gives it, in {@link MEMBER_COLUMNS}' order. */
type MemberTuple = [
  id: number,
  telegramId: number | null,
  externalId: string | null,
  karma: number,
  lastEventId: number | null,
]

// better-sqlite3 builds a row object property by property; a batch's 1,000 members come
// back as arrays and become objects here, which costs a third less.
const fromTuple = ([id, telegram_id, external_id, karma, last_event_id]: MemberTuple): MemberRow => ({
  id,
  telegram_id,
  external_id,
  karma,
  last_event_id,
})

/** The members a batch names, by each kind of reference. */
interface MemberIndex {
  readonly byTelegramId: Map<number, MemberRow>
  readonly byExternalId: Map<string, MemberRow>
  readonly byId: Map<number, MemberRow>
}

/** A member's karma as the batch moves it: where it started, and where it is now. */
interface Running {
  readonly row: MemberRow
  karma: number
  /** The member's latest event so far: the next one's `prev_id`. */
  last: number | null
}

/** A new event of this batch, for replays of its key later in the same batch. */
interface Fresh {
  readonly hash: string
  readonly result: KarmaAppendResult
}

/**
 * The karma ledger. Events are appended and `users.karma` moved in one transaction (a write of
 * a group commit, all or nothing), so the cached karma always equals the sum of the ledger;
 * members whose karma crossed a rule's threshold are reconciled in that same transaction, so no
 * change can be lost between them.
 *
 * A batch is set-based: one query finds every idempotency key already used, one query finds the
 * members named by Telegram id, the events go in through one prepared statement in a tight loop
 * (no `RETURNING`; each names the member's previous event, see `event-chain.ts`), each member's
 * karma moves once by the batch's sum of their deltas (and their latest event is noted), and each member whose karma crossed a
 * threshold at any point of the batch is reconciled once, at the end, against the final karma.
 * The results are what appending the events one by one, in order, would have given.
 */
export class KarmaRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    private readonly reconcile: ReconcileRepository,
    private readonly writes: GroupCommit,
    private readonly clock: () => number = Date.now,
  ) {
    this.s = {
      byKey: db.prepare<[string], EventRow>('SELECT * FROM karma_events WHERE idempotency_key = ?'),
      // CROSS JOIN keeps the key list as the outer loop: one index probe per key.
      byKeys: db.prepare<[string], EventRow>(
        'SELECT e.* FROM json_each(?) AS j CROSS JOIN karma_events AS e ON e.idempotency_key = j.value',
      ),
      memberById: db.prepare<[number], MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM users u WHERE u.id = ?`),
      memberByTelegramId: db.prepare<[number], MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM users u WHERE u.telegram_id = ?`,
      ),
      memberByExternalId: db.prepare<[string], MemberRow>(
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
      insertExternal: db.prepare<[{ externalId: string; now: number }], MemberRow>(
        `INSERT INTO users (external_id, created_at, updated_at) VALUES (@externalId, @now, @now)
         RETURNING id, telegram_id, external_id, karma, last_event_id`,
      ),
      lastEventId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM karma_events'),
      // Ids are given, not left to SQLite: the results name them without RETURNING, and inside
      // the write transaction nobody else can take them. Positional, in a tight loop: binding
      // an object per event, or a JSON array of rows, costs more than the insert.
      // prev_id chains a member's events (migration 009), so no index on user_id is written.
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
  private storedEvents(keys: readonly string[]): Map<string, EventRow> {
    const found = new Map<string, EventRow>()
    const [only] = keys
    if (keys.length === 1 && only !== undefined) {
      const row = this.s.byKey.get(only)
      if (row) found.set(row.idempotency_key, row)
    } else if (keys.length > 1) {
      for (const row of this.s.byKeys.all(JSON.stringify(keys))) found.set(row.idempotency_key, row)
    }
    return found
  }

  /** The members `requests` name, and those of the stored events they replay. */
  private findMembers(requests: readonly KarmaEventRequest[], stored: ReadonlyMap<string, EventRow>): MemberIndex {
    const telegramIds = new Set<number>()
    const externalIds = new Set<string>()
    const ids = new Set<number>()
    for (const request of requests) {
      const previous = stored.get(request.idempotencyKey)
      if (previous) ids.add(previous.user_id)
      else if ('telegramId' in request.member) telegramIds.add(request.member.telegramId)
      else if ('externalId' in request.member) externalIds.add(request.member.externalId)
      else ids.add(request.member.memberId)
    }
    const index: MemberIndex = { byTelegramId: new Map(), byExternalId: new Map(), byId: new Map() }
    for (const row of this.fetch(telegramIds, this.s.memberByTelegramId, this.s.membersByTelegramId)) {
      if (row.telegram_id !== null) index.byTelegramId.set(row.telegram_id, row)
    }
    // One by one: an external id is any text, and a lone surrogate would not survive a trip
    // through JSON to be compared with the stored value (numbers and ASCII keys do).
    for (const externalId of externalIds) {
      const row = this.s.memberByExternalId.get(externalId)
      if (row) index.byExternalId.set(externalId, row)
    }
    for (const row of this.fetch(ids, this.s.memberById, this.s.membersById)) index.byId.set(row.id, row)
    return index
  }

  private fetch<K>(
    keys: ReadonlySet<K>,
    one: { get(key: K): MemberRow | undefined },
    many: { all(keys: string): MemberTuple[] },
  ): readonly MemberRow[] {
    const [only] = keys
    if (only === undefined) return []
    if (keys.size === 1) {
      const row = one.get(only)
      return row ? [row] : []
    }
    return many.all(JSON.stringify([...keys])).map(fromTuple)
  }

  private resolveMember(request: KarmaEventRequest, members: MemberIndex, now: number): MemberRow {
    const ref = request.member
    if ('telegramId' in ref) {
      const row = members.byTelegramId.get(ref.telegramId)
      if (!row)
        throw new KarmaError(
          'member_not_found',
          `No member has Telegram id ${String(ref.telegramId)}.`,
          'member.telegramId',
        )
      return row
    }
    if ('externalId' in ref) {
      let row = members.byExternalId.get(ref.externalId)
      if (!row) {
        row = this.s.insertExternal.get({ externalId: ref.externalId, now })
        if (!row) throw new Error('insert returned no row')
        members.byExternalId.set(ref.externalId, row)
      }
      return row
    }
    const row = members.byId.get(ref.memberId)
    if (!row) throw new KarmaError('member_not_found', `No member has id ${String(ref.memberId)}.`, 'member')
    return row
  }

  /**
   * The write: see the class's comment. Throws the first refusal, in order. Run only through
   * the group commit, which makes it all or nothing (when it throws, its transaction is rolled
   * back and the other writes run again without it); it has no effect outside the database, so
   * running it again is safe.
   */
  private appendAll(raw: readonly KarmaEventRequest[]): KarmaAppendResult[] {
    const nowMs = this.clock()
    const now = Math.floor(nowMs / 1000)
    // The first refusal in order wins, whatever its kind: after an invalid event nothing is looked up.
    const requests: KarmaEventRequest[] = []
    let invalid: KarmaError | undefined
    for (const [index, request] of raw.entries()) {
      try {
        requests.push(validateKarmaEvent(request))
      } catch (err) {
        if (!(err instanceof KarmaError)) throw err
        err.index = index
        invalid = err
        break
      }
    }

    const stored = this.storedEvents(requests.map((r) => r.idempotencyKey))
    const members = this.findMembers(requests, stored)
    const thresholds = thresholdsOf(this.s.ruleLines.all())
    const running = new Map<number, Running>()
    const fresh = new Map<string, Fresh>()
    const crossed = new Set<number>()
    const pending: { event: KarmaEvent; hash: string; prev: number | null }[] = []
    let nextId = (this.s.lastEventId.get()?.id ?? 0) + 1

    const results = requests.map((request, index): KarmaAppendResult => {
      try {
        const hash = karmaRequestHash(request)
        const key = request.idempotencyKey
        const earlier = fresh.get(key)
        if (earlier) {
          if (earlier.hash !== hash) throw conflict()
          return { ...earlier.result, replayed: true }
        }
        const previous = stored.get(key)
        if (previous) {
          if (previous.request_hash !== hash) throw conflict()
          const member = members.byId.get(previous.user_id)
          if (!member) throw new Error('the member of a stored karma event is gone')
          return { event: toEvent(previous), member: toMember(member, previous.karma_after), replayed: true }
        }
        const member = this.resolveMember(request, members, now)
        let state = running.get(member.id)
        if (!state) {
          state = { row: member, karma: member.karma, last: member.last_event_id }
          running.set(member.id, state)
        }
        const before = state.karma
        const after = before + request.delta
        state.karma = after
        if (crossesThreshold(thresholds, before, after)) crossed.add(member.id)
        const event: KarmaEvent = {
          id: nextId++,
          memberId: member.id,
          delta: request.delta,
          reason: request.reason,
          source: request.source,
          actor: request.actor,
          idempotencyKey: key,
          karmaAfter: after,
          createdAt: now,
        }
        pending.push({ event, hash, prev: state.last })
        state.last = event.id
        const result: KarmaAppendResult = { event, member: toMember(member, after), replayed: false }
        fresh.set(key, { hash, result })
        return result
      } catch (err) {
        if (err instanceof KarmaError) err.index = index
        throw err
      }
    })
    if (invalid) throw invalid

    for (const { event: e, hash, prev } of pending) {
      this.s.insertEvent.run(
        e.id,
        e.memberId,
        e.delta,
        e.reason,
        e.source,
        e.actor,
        e.idempotencyKey,
        hash,
        e.karmaAfter,
        now,
        prev,
      )
    }
    // Once per member, by the batch's sum of their deltas (also when it is 0: the row was
    // touched), and pointing at their latest event.
    for (const [id, state] of running) this.s.addKarma.run(state.karma - state.row.karma, state.last, now, id)
    if (crossed.size > 0) this.reconcile.reconcileSync({ kind: 'members', memberIds: [...crossed] }, nowMs)
    return results
  }

  /**
   * Appends one event (or replays its key); throws {@link KarmaError}. Committed with the other
   * writes of the same moment ({@link GroupCommit}); resolves once durable.
   */
  async append(request: KarmaEventRequest): Promise<KarmaAppendResult> {
    const [result] = await this.writes.run(() => this.appendAll([request]))
    if (!result) throw new Error('no result')
    return result
  }

  /**
   * Appends events all or nothing, in order; a refused one throws {@link KarmaError} with its
   * `index`. Committed as {@link append} is: batches sent together share one commit.
   */
  async appendBatch(requests: readonly KarmaEventRequest[]): Promise<KarmaAppendResult[]> {
    return this.writes.run(() => this.appendAll(requests))
  }

  /** The sum of a member's ledger, for checking the cached karma against it. */
  async ledgerSum(memberId: number): Promise<number> {
    return this.s.ledgerSum.get({ member: memberId, limit: WHOLE_CHAIN })?.total ?? 0
  }
}

const conflict = (): KarmaError =>
  new KarmaError(
    'idempotency_conflict',
    'This idempotency key was already used for a different event.',
    'idempotencyKey',
  )
