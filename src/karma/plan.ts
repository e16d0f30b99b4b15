import { crossesThreshold } from '../access/eligibility.js'
import {
  type KarmaAppendResult,
  KarmaError,
  type KarmaEvent,
  karmaRequestHash,
  type ValidKarmaEvent,
} from './events.js'

/**
 * The ledger's rules for appending events, apart from storage: replays and conflicts of
 * idempotency keys, each member's running karma, the chain of each member's events, and who
 * crossed a rule's line. The store looks up what a batch names, hands it here, and writes what
 * comes back, all in one transaction.
 */

/** A member as the ledger reads them. */
export interface LedgerMember {
  readonly id: number
  readonly telegramId: number | null
  readonly externalId: string | null
  readonly karma: number
  /** The member's latest event: the next one's `prevId` (the chain of migration 009). */
  readonly lastEventId: number | null
}

/** An event already stored, with the fingerprint of what it asked for. */
export interface StoredKarmaEvent extends KarmaEvent {
  readonly requestHash: string
}

/** What a batch names, as the store found it. */
export interface LedgerLookups {
  /** The stored events under the batch's idempotency keys, by key. */
  readonly stored: ReadonlyMap<string, StoredKarmaEvent>
  /** Every member the batch names (external ids new to the store already created), and of stored events. */
  readonly byTelegramId: ReadonlyMap<number, LedgerMember>
  readonly byExternalId: ReadonlyMap<string, LedgerMember>
  readonly byId: ReadonlyMap<number, LedgerMember>
  /** The lines of the enabled rules (see `thresholdsOf`). */
  readonly thresholds: readonly number[]
  /** The id the batch's first new event takes; the next ones follow. */
  readonly firstId: number
  /** When, as events record it. */
  readonly now: number
}

/** What the store writes for a batch. */
export interface LedgerPlan {
  /** One per event, in order: what appending the events one by one would have given. */
  readonly results: KarmaAppendResult[]
  /** The new events, in id order, each with its fingerprint and the member's previous event. */
  readonly inserts: readonly {
    readonly event: KarmaEvent
    readonly requestHash: string
    readonly prevId: number | null
  }[]
  /** Once per member the batch moved: by the sum of their deltas (maybe 0), and their latest event. */
  readonly memberUpdates: readonly {
    readonly memberId: number
    readonly delta: number
    readonly lastEventId: number | null
  }[]
  /** Members whose karma crossed a rule's line at some point of the batch: to be reconciled. */
  readonly crossed: readonly number[]
}

const conflict = (): KarmaError =>
  new KarmaError(
    'idempotency_conflict',
    'This idempotency key was already used for a different event.',
    'idempotencyKey',
  )

/**
 * The external ids of `events` that need a member created before {@link planAppend}: those of new
 * events (not a replay of a stored key, nor of a key earlier in the batch) that no member holds,
 * in the order they first appear, so ids are handed out as appending one by one would.
 */
export function externalIdsToCreate(
  events: readonly ValidKarmaEvent[],
  stored: ReadonlyMap<string, unknown>,
  known: ReadonlyMap<string, unknown>,
): string[] {
  const seenKeys = new Set<string>()
  const missing = new Set<string>()
  for (const event of events) {
    if (seenKeys.has(event.idempotencyKey)) continue
    seenKeys.add(event.idempotencyKey)
    if (stored.has(event.idempotencyKey) || !('externalId' in event.member)) continue
    if (!known.has(event.member.externalId)) missing.add(event.member.externalId)
  }
  return [...missing]
}

/**
 * Plans appending `events` in order, all or nothing: throws the first refusal ({@link KarmaError}
 * `member_not_found` or `idempotency_conflict`, with the event's `index`). A key used before for
 * the same event gives back the first result (`replayed`); for another event it is a conflict.
 */
export function planAppend(events: readonly ValidKarmaEvent[], lookups: LedgerLookups): LedgerPlan {
  const running = new Map<number, { readonly member: LedgerMember; karma: number; last: number | null }>()
  const fresh = new Map<string, { readonly hash: string; readonly result: KarmaAppendResult }>()
  const crossed = new Set<number>()
  const inserts: { event: KarmaEvent; requestHash: string; prevId: number | null }[] = []
  let nextId = lookups.firstId

  const memberOf = (event: ValidKarmaEvent): LedgerMember => {
    const ref = event.member
    const member =
      'telegramId' in ref
        ? lookups.byTelegramId.get(ref.telegramId)
        : 'externalId' in ref
          ? lookups.byExternalId.get(ref.externalId)
          : lookups.byId.get(ref.memberId)
    if (member) return member
    if ('telegramId' in ref) {
      throw new KarmaError(
        'member_not_found',
        `No member has Telegram id ${String(ref.telegramId)}.`,
        'member.telegramId',
      )
    }
    if ('memberId' in ref)
      throw new KarmaError('member_not_found', `No member has id ${String(ref.memberId)}.`, 'member')
    throw new Error(`the store did not create a member for external id ${ref.externalId}`)
  }

  const results = events.map((event, index): KarmaAppendResult => {
    try {
      const hash = karmaRequestHash(event)
      const key = event.idempotencyKey
      const earlier = fresh.get(key)
      if (earlier) {
        if (earlier.hash !== hash) throw conflict()
        return { ...earlier.result, replayed: true }
      }
      const previous = lookups.stored.get(key)
      if (previous) {
        if (previous.requestHash !== hash) throw conflict()
        const member = lookups.byId.get(previous.memberId)
        if (!member) throw new Error('the member of a stored karma event is gone')
        const { requestHash: _, ...stored } = previous
        return { event: stored, member: reported(member, previous.karmaAfter), replayed: true }
      }
      const member = memberOf(event)
      let state = running.get(member.id)
      if (!state) {
        state = { member, karma: member.karma, last: member.lastEventId }
        running.set(member.id, state)
      }
      const before = state.karma
      const after = before + event.delta
      state.karma = after
      if (crossesThreshold(lookups.thresholds, before, after)) crossed.add(member.id)
      const stored: KarmaEvent = {
        id: nextId++,
        memberId: member.id,
        delta: event.delta,
        reason: event.reason,
        source: event.source,
        actor: event.actor,
        idempotencyKey: key,
        karmaAfter: after,
        createdAt: lookups.now,
      }
      inserts.push({ event: stored, requestHash: hash, prevId: state.last })
      state.last = stored.id
      const result: KarmaAppendResult = { event: stored, member: reported(member, after), replayed: false }
      fresh.set(key, { hash, result })
      return result
    } catch (err) {
      if (err instanceof KarmaError) err.index = index
      throw err
    }
  })
  const memberUpdates = [...running.values()].map((state) => ({
    memberId: state.member.id,
    delta: state.karma - state.member.karma,
    lastEventId: state.last,
  }))
  return { results, inserts, memberUpdates, crossed: [...crossed] }
}

const reported = (member: LedgerMember, karma: number) => ({
  id: member.id,
  telegramId: member.telegramId,
  externalId: member.externalId,
  karma,
})
