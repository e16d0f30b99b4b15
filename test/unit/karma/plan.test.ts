import { describe, expect, it } from 'vitest'
import { KarmaError } from '../../../src/karma/events.js'
import { externalIdsToCreate, type LedgerMember, planAppend, type StoredKarmaEvent } from '../../../src/karma/plan.js'
import { parseKarmaEvent } from '../../../src/karma/schema.js'

const ada: LedgerMember = { id: 1, telegramId: 101, externalId: null, karma: 5, lastEventId: 7 }
const event = (key: string, delta: number, member: object = { telegramId: 101 }) =>
  parseKarmaEvent({ member, delta, reason: 'r', idempotencyKey: key }, 'api', 'site')

const lookups = (over: Partial<Parameters<typeof planAppend>[1]> = {}) => ({
  stored: new Map<string, StoredKarmaEvent>(),
  byTelegramId: new Map([[101, ada]]),
  byExternalId: new Map<string, LedgerMember>(),
  byId: new Map([[1, ada]]),
  thresholds: [10],
  firstId: 8,
  now: 1000,
  ...over,
})

describe('planning a karma batch', () => {
  it("runs each member's karma through the batch, chains their events and moves them once by the sum", () => {
    const plan = planAppend([event('a', 3), event('b', 4), event('a', 3)], lookups())
    expect(plan.results.map((r) => [r.event.id, r.event.karmaAfter, r.replayed])).toEqual([
      [8, 8, false],
      [9, 12, false],
      [8, 8, true],
    ])
    expect(plan.inserts.map((i) => [i.event.id, i.prevId])).toEqual([
      [8, 7],
      [9, 8],
    ])
    expect(plan.memberUpdates).toEqual([{ memberId: 1, delta: 7, lastEventId: 9 }])
    expect(plan.crossed).toEqual([1])
  })

  it('gives a stored key back as it was, and refuses it for another event or an unknown member', () => {
    const first = planAppend([event('a', 3)], lookups()).inserts[0]!
    const stored = new Map([['a', { ...first.event, requestHash: first.requestHash }]])
    const replay = planAppend([event('a', 3)], lookups({ stored }))
    expect(replay.results[0]).toMatchObject({ replayed: true, event: { id: 8 }, member: { karma: 8 } })
    expect(replay.inserts).toEqual([])
    const conflict = (() => {
      try {
        planAppend([event('z', 1), event('a', 4)], lookups({ stored }))
      } catch (err) {
        return err
      }
    })()
    expect(conflict).toBeInstanceOf(KarmaError)
    expect(conflict).toMatchObject({ code: 'idempotency_conflict', index: 1 })
    expect(() => planAppend([event('x', 1, { telegramId: 404 })], lookups())).toThrow(/Telegram id 404/)
  })

  it('asks for members of new external ids in the order they first appear, not for replays', () => {
    const events = [
      event('a', 1, { externalId: 'n-2' }),
      event('b', 1, { externalId: 'n-1' }),
      event('c', 1, { externalId: 'n-2' }),
    ]
    expect(externalIdsToCreate(events, new Map(), new Map())).toEqual(['n-2', 'n-1'])
    expect(externalIdsToCreate(events, new Map([['a', {}]]), new Map([['n-1', {}]]))).toEqual(['n-2'])
  })
})
