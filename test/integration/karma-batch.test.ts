import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type KarmaAppendResult, KarmaError, type MemberRef } from '../../src/karma/events.js'
import {
  addActiveChat,
  addMember,
  appendEvent,
  appendEvents,
  brokenChains,
  queuedJobs,
  type TestKarmaEvent,
  type TestStore,
  testStores,
} from '../support/store.js'

// A batch is applied set-based (one lookup for all keys, one update per member, one reconcile per
// member at the end). These check that its results are still those of the events one by one.

const store = testStores()

const event = (idempotencyKey: string, over: Partial<TestKarmaEvent> = {}): TestKarmaEvent => ({
  member: { telegramId: 1 },
  delta: 10,
  reason: 'answer accepted',
  source: 'api',
  actor: 'site',
  idempotencyKey,
  ...over,
})

const now = (t: TestStore) => t.now()

const ledger = (t: TestStore) => {
  expect(brokenChains(t.db)).toEqual([])
  return t.db
    .prepare<[], { id: number; karma: number; sum: number; events: number }>(
      `SELECT u.id, u.karma, coalesce((SELECT sum(delta) FROM karma_events e WHERE e.user_id = u.id), 0) AS sum,
              (SELECT count(*) FROM karma_events e WHERE e.user_id = u.id) AS events
       FROM users u ORDER BY u.id`,
    )
    .all()
}

const eventCount = (t: TestStore) => t.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM karma_events').get()!.n

describe('a karma batch', () => {
  it('replays a key repeated inside it with the first result, counting the event once', async () => {
    const t = store()
    await addMember(t, 1)
    const results = await appendEvents(t.store, [
      event('a'),
      event('b', { delta: 5 }),
      event('a'),
      event('c', { delta: -1 }),
    ])
    expect(results.map((r) => [r.event.idempotencyKey, r.event.karmaAfter, r.member.karma, r.replayed])).toEqual([
      ['a', 10, 10, false],
      ['b', 15, 15, false],
      ['a', 10, 10, true],
      ['c', 14, 14, false],
    ])
    expect(results[2]).toEqual({ ...results[0], replayed: true })
    expect(eventCount(t)).toBe(3)
    expect(ledger(t)).toEqual([{ id: 1, karma: 14, sum: 14, events: 3 }])
  })

  it('refuses, all of it, a key repeated inside it for a different event (409 at the second place)', async () => {
    const t = store()
    await addMember(t, 1)
    const err = await appendEvents(t.store, [event('a'), event('b'), event('a', { delta: 11 })]).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(KarmaError)
    expect(err).toMatchObject({ code: 'idempotency_conflict', index: 2, field: 'idempotencyKey' })
    expect(eventCount(t)).toBe(0)
    expect(ledger(t)).toEqual([{ id: 1, karma: 0, sum: 0, events: 0 }])
  })

  it('mixes replays of stored keys with new events, in order, with the right karma after each', async () => {
    const t = store()
    await addMember(t, 1)
    await addMember(t, 2)
    const first = await appendEvent(t.store, event('old-1', { delta: 7 }))
    const second = await appendEvent(t.store, event('old-2', { member: { telegramId: 2 }, delta: 3 }))
    const results = await appendEvents(t.store, [
      event('new-1', { delta: 1 }),
      event('old-1', { delta: 7 }),
      event('new-2', { member: { telegramId: 2 }, delta: -5 }),
      event('old-2', { member: { telegramId: 2 }, delta: 3 }),
      event('new-3', { delta: 2 }),
    ])
    expect(results[1]).toEqual({ ...first, replayed: true })
    expect(results[3]).toEqual({ ...second, replayed: true })
    expect(results.map((r) => [r.member.karma, r.replayed])).toEqual([
      [8, false],
      [7, true],
      [-2, false],
      [3, true],
      [10, false],
    ])
    // New events take the next ids, in order.
    expect(results.filter((r) => !r.replayed).map((r) => r.event.id)).toEqual([3, 4, 5])
    for (const row of ledger(t)) expect(row.karma).toBe(row.sum)
    // The whole batch again: every result a replay, the same body.
    const again = await appendEvents(
      t.store,
      results.map((r) =>
        event(r.event.idempotencyKey, { member: { telegramId: r.member.telegramId! }, delta: r.event.delta }),
      ),
    )
    expect(again).toEqual(
      results.map((r) => ({ ...r, replayed: true, member: { ...r.member, karma: r.event.karmaAfter } })),
    )
  })

  it('moves a member named many times by the sum, with each event’s karma after it', async () => {
    const t = store()
    await addMember(t, 1)
    await appendEvents(t.store, [event('ext', { member: { externalId: 'u-9' }, delta: 1 })])
    const deltas = Array.from({ length: 500 }, (_, i) => (i % 3 === 2 ? -2 : 3))
    const refs: MemberRef[] = [{ telegramId: 1 }, { externalId: 'u-9' }, { externalId: 'u-new' }]
    const batch = deltas.map((delta, i) => event(`m-${String(i)}`, { member: refs[i % 3]!, delta }))
    const results = await appendEvents(t.store, batch)
    const running = new Map<string, number>([
      ['t1', 0],
      ['eu-9', 1],
      ['eu-new', 0],
    ])
    results.forEach((r, i) => {
      const ref = refs[i % 3]!
      const name = 'telegramId' in ref ? `t${String(ref.telegramId)}` : 'externalId' in ref ? `e${ref.externalId}` : ''
      const after = running.get(name)! + deltas[i]!
      running.set(name, after)
      expect(r.event.karmaAfter).toBe(after)
      expect(r.member.karma).toBe(after)
    })
    // The external member new in this batch was created once, and kept its events.
    expect((await t.store.members.findByExternalId('u-new'))?.karma).toBe(running.get('eu-new'))
    for (const row of ledger(t)) expect(row.karma).toBe(row.sum)
    expect(ledger(t).map((r) => r.events)).toEqual([167, 168, 166])
  })

  it('finds a member by any external id, even one that is not well-formed UTF-16', async () => {
    const t = store()
    const odd = 'u-\ud800'
    await appendEvent(t.store, event('first', { member: { externalId: odd }, delta: 2 }))
    const results = await appendEvents(t.store, [
      event('a', { member: { externalId: odd } }),
      event('b', { member: { externalId: 'plain' } }),
      event('c', { member: { externalId: odd }, delta: 1 }),
    ])
    expect(results.map((r) => r.member.karma)).toEqual([12, 10, 13])
    expect(new Set([results[0]!.member.id, results[2]!.member.id]).size).toBe(1)
    expect(ledger(t).map((r) => r.karma)).toEqual([13, 10])
  })

  it('reconciles a member once, against the karma the batch leaves: up and back down queues nothing', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const bob = await addMember(t, 2)
    const cy = await addMember(t, 3)
    const dee = await addMember(t, 4)
    const chat = await addActiveChat(t)
    await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, now(t))
    // Cy and Dee are in the chat with 120.
    await appendEvents(t.store, [
      event('seed-cy', { member: { telegramId: 3 }, delta: 120 }),
      event('seed-dee', { member: { telegramId: 4 }, delta: 120 }),
    ])
    await t.store.memberships.set(cy, chat, 'member', 'approved', now(t))
    await t.store.memberships.set(dee, chat, 'member', 'approved', now(t))
    const before = queuedJobs(t).length

    const ups = (who: number, prefix: string, deltas: number[]) =>
      deltas.map((delta, i) => event(`${prefix}-${String(i)}`, { member: { telegramId: who }, delta }))
    await appendEvents(t.store, [
      ...ups(1, 'ada', [60, 60, -100]), // 120 then 20: crossed up and back within the batch
      ...ups(2, 'bob', [60, -30, 80]), // 110 at the end: in
      ...ups(3, 'cy', [-100, 90]), // 20 then 110: fell below remove_below and came back
      ...ups(4, 'dee', [10, -90]), // 40 at the end: out
    ])
    const jobs = queuedJobs(t).slice(before)
    expect(jobs).toEqual([
      ['member.invite', { memberId: bob, chatId: chat }],
      ['member.remove', { memberId: dee, chatId: chat }],
    ])
    expect((await t.store.memberships.get(ada, chat))?.state ?? null).toBeNull()
    expect((await t.store.memberships.get(bob, chat))?.state).toBe('eligible')
    expect((await t.store.memberships.get(cy, chat))?.state).toBe('member')
    for (const row of ledger(t)) expect(row.karma).toBe(row.sum)
  })

  it('gives what the events one by one give: the same results, or the same first refusal', async () => {
    const runs = { succeeded: 0 }
    // Mostly events that go through, so most batches succeed; now and then an unknown member, a
    // zero delta or a key used before (the same event or not).
    const who = fc.oneof(
      {
        arbitrary: fc.constantFrom<MemberRef>(
          { telegramId: 1 },
          { telegramId: 2 },
          { externalId: 'e-1' },
          { externalId: 'e-2' },
        ),
        weight: 30,
      },
      { arbitrary: fc.constant<MemberRef>({ telegramId: 404 }), weight: 1 },
    )
    const delta = fc.oneof(
      { arbitrary: fc.integer({ min: -60, max: 60 }).filter((d) => d !== 0), weight: 30 },
      { arbitrary: fc.constant(0), weight: 1 },
    )
    const key = fc.oneof(
      { arbitrary: fc.uuid(), weight: 10 },
      { arbitrary: fc.integer({ min: 1, max: 8 }).map((k) => `k${String(k)}`), weight: 1 },
    )
    const item = fc.record({ who, delta, key })
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { maxLength: 6 }),
        fc.array(item, { minLength: 1, maxLength: 30 }),
        async (history, batch) => {
          const stores = [store(), store()] as const
          for (const s of stores) {
            await addMember(s, 1)
            await addMember(s, 2)
            const chat = await addActiveChat(s)
            await s.store.rules.create({ groupId: null, chatId: chat, minKarma: 40, removeBelow: 10 }, now(s))
            for (const h of history)
              await appendEvent(s.store, event(h.key, { member: h.who, delta: h.delta })).catch((e: unknown) => e)
          }
          const [bulk, oneByOne] = stores
          const requests = batch.map((b) => event(b.key, { member: b.who, delta: b.delta }))
          const outcome = await appendEvents(bulk.store, requests).catch((e: unknown) => e)
          // The reference: every event is checked against the schema first (an invalid one refuses
          // the batch before anything is looked up); then each in its own transaction, stopping at
          // the first refusal.
          const expected: KarmaAppendResult[] = []
          let refusal: unknown
          const invalid = requests.findIndex((r) => r.delta === 0)
          if (invalid >= 0) {
            refusal = Object.assign(new KarmaError('invalid', 'delta', 'delta'), { index: invalid })
          } else {
            for (const [index, request] of requests.entries()) {
              try {
                expected.push(await appendEvent(oneByOne.store, request))
              } catch (err) {
                refusal = err
                if (err instanceof KarmaError) err.index = index
                break
              }
            }
          }
          if (refusal === undefined) {
            expect(outcome).toEqual(expected)
            expect(ledger(bulk)).toEqual(ledger(oneByOne))
          } else {
            expect(outcome).toBeInstanceOf(KarmaError)
            const { code, index, field } = refusal as KarmaError
            expect(outcome).toMatchObject({ code, index, field })
          }
          for (const row of ledger(bulk)) expect(row.karma).toBe(row.sum)
          // Who is let in (or on the way in) is the same: the batch reconciles once, at its end, so a
          // member who crossed up and back down has no row where the one-by-one path left 'removed'.
          if (refusal === undefined) {
            const inside = (s: TestStore) =>
              s.db
                .prepare(`SELECT user_id, chat_id, state FROM memberships WHERE state <> 'removed' ORDER BY 1, 2`)
                .all()
            expect(inside(bulk)).toEqual(inside(oneByOne))
            runs.succeeded++
          }
        },
      ),
      { numRuns: 80 },
    )
    // The comparison above must mostly be of batches that went through.
    expect(runs.succeeded).toBeGreaterThan(20)
  })
})
