import { KarmaError, type KarmaEvent, type KarmaEventRequest, karmaRequestHash, type KarmaSource, validateKarmaEvent } from '../karma/events.js'
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

/**
 * The karma ledger. An event is appended and `users.karma` moved in one transaction, so the
 * cached karma always equals the sum of the ledger; members whose karma crossed a rule's
 * threshold are reconciled in that same transaction, so no change can be lost between them.
 */
export class KarmaRepository {
  private readonly s
  private readonly appendMany

  constructor(
    db: SqliteDatabase,
    private readonly reconcile: ReconcileRepository,
    private readonly clock: () => number = Date.now,
  ) {
    this.s = {
      byKey: db.prepare<[string], EventRow>('SELECT * FROM karma_events WHERE idempotency_key = ?'),
      memberById: db.prepare<[number], MemberRow>('SELECT id, telegram_id, external_id, karma FROM users WHERE id = ?'),
      memberByTelegramId: db.prepare<[number], MemberRow>('SELECT id, telegram_id, external_id, karma FROM users WHERE telegram_id = ?'),
      memberByExternalId: db.prepare<[string], MemberRow>('SELECT id, telegram_id, external_id, karma FROM users WHERE external_id = ?'),
      // The site may push karma before its user links Telegram: such a member starts without it.
      insertExternal: db.prepare<[{ externalId: string; now: number }], MemberRow>(
        `INSERT INTO users (external_id, created_at, updated_at) VALUES (@externalId, @now, @now)
         RETURNING id, telegram_id, external_id, karma`,
      ),
      addKarma: db.prepare<[{ delta: number; now: number; id: number }], { karma: number }>(
        'UPDATE users SET karma = karma + @delta, updated_at = @now WHERE id = @id RETURNING karma',
      ),
      insertEvent: db.prepare<[Omit<EventRow, 'id'>], EventRow>(
        `INSERT INTO karma_events (user_id, delta, reason, source, actor, idempotency_key, request_hash, karma_after, created_at)
         VALUES (@user_id, @delta, @reason, @source, @actor, @idempotency_key, @request_hash, @karma_after, @created_at)
         RETURNING *`,
      ),
      thresholds: db.prepare<[], { t: number }>(
        `SELECT min_karma AS t FROM rules WHERE enabled = 1
         UNION SELECT remove_below FROM rules WHERE enabled = 1 AND remove_below IS NOT NULL`,
      ),
      ledgerSum: db.prepare<[number], { total: number | null }>('SELECT sum(delta) AS total FROM karma_events WHERE user_id = ?'),
    }
    this.appendMany = db.transaction((requests: readonly KarmaEventRequest[]): KarmaAppendResult[] => {
      const nowMs = this.clock()
      const now = Math.floor(nowMs / 1000)
      const thresholds = this.s.thresholds.all().map((r) => r.t)
      const crossed = new Set<number>()
      const results = requests.map((request, index) => {
        try {
          const result = this.appendOne(request, now)
          if (!result.replayed) {
            const before = result.member.karma - result.event.delta
            if (thresholds.some((t) => before < t !== result.member.karma < t)) crossed.add(result.member.id)
          }
          return result
        } catch (err) {
          if (err instanceof KarmaError) err.index = index
          throw err
        }
      })
      if (crossed.size > 0) this.reconcile.reconcileSync({ kind: 'members', memberIds: [...crossed] }, nowMs)
      return results
    })
  }

  private resolveMember(request: KarmaEventRequest, now: number): MemberRow {
    const ref = request.member
    if ('telegramId' in ref) {
      const row = this.s.memberByTelegramId.get(ref.telegramId)
      if (!row) throw new KarmaError('member_not_found', `No member has Telegram id ${String(ref.telegramId)}.`, 'member.telegramId')
      return row
    }
    if ('externalId' in ref) {
      return this.s.memberByExternalId.get(ref.externalId) ?? (this.s.insertExternal.get({ externalId: ref.externalId, now }) as MemberRow)
    }
    const row = this.s.memberById.get(ref.memberId)
    if (!row) throw new KarmaError('member_not_found', `No member has id ${String(ref.memberId)}.`, 'member')
    return row
  }

  private appendOne(raw: KarmaEventRequest, now: number): KarmaAppendResult {
    const request = validateKarmaEvent(raw)
    const hash = karmaRequestHash(request)
    const previous = this.s.byKey.get(request.idempotencyKey)
    if (previous) {
      if (previous.request_hash !== hash) {
        throw new KarmaError('idempotency_conflict', 'This idempotency key was already used for a different event.', 'idempotencyKey')
      }
      const member = this.s.memberById.get(previous.user_id) as MemberRow
      return { event: toEvent(previous), member: { ...toMember(member), karma: previous.karma_after }, replayed: true }
    }
    const member = this.resolveMember(request, now)
    const updated = this.s.addKarma.get({ delta: request.delta, now, id: member.id })
    if (!updated) throw new Error('member vanished')
    const event = this.s.insertEvent.get({
      user_id: member.id,
      delta: request.delta,
      reason: request.reason,
      source: request.source,
      actor: request.actor,
      idempotency_key: request.idempotencyKey,
      request_hash: hash,
      karma_after: updated.karma,
      created_at: now,
    }) as EventRow
    return { event: toEvent(event), member: { ...toMember(member), karma: updated.karma }, replayed: false }
  }

  /** Appends one event (or replays its key); throws {@link KarmaError}. */
  async append(request: KarmaEventRequest): Promise<KarmaAppendResult> {
    const [result] = this.appendMany.immediate([request])
    if (!result) throw new Error('no result')
    return result
  }

  /** Appends events all or nothing, in order; a refused one throws {@link KarmaError} with its `index`. */
  async appendBatch(requests: readonly KarmaEventRequest[]): Promise<KarmaAppendResult[]> {
    return this.appendMany.immediate(requests)
  }

  /** The sum of a member's ledger, for checking the cached karma against it. */
  async ledgerSum(memberId: number): Promise<number> {
    return this.s.ledgerSum.get(memberId)?.total ?? 0
  }
}

function toMember(r: MemberRow): KarmaMember {
  return { id: r.id, telegramId: r.telegram_id, externalId: r.external_id, karma: r.karma }
}
