import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { appendKarmaEvent } from '../../../src/karma/append.js'
import { type KarmaAppendResult, KarmaError, type MemberRef } from '../../../src/karma/events.js'
import { SECOND } from '../../../src/time.js'
import {
  addActiveChat,
  addMember,
  allKarmaEvents,
  allMembers,
  type ContractStore,
  describeStore,
  jobsIn,
} from '../../support/contract.js'
import { appendEvent, appendEvents, type TestKarmaEvent } from '../../support/store.js'

// The ledger through `karma.append` / `appendBatch`, as every caller reaches it: through
// src/karma/append.ts, which checks each event against the one schema first. Moved here from
// karma-ledger.test.ts and karma-batch.test.ts, reading only through the interface.

const event = (idempotencyKey: string, over: Partial<TestKarmaEvent> = {}): TestKarmaEvent => ({
  member: { telegramId: 1 },
  delta: 10,
  reason: 'answer accepted',
  source: 'api',
  actor: 'site',
  idempotencyKey,
  ...over,
})

/**
 * Every member, by id, with their cached karma, the sum of their ledger and how many events it
 * has, once the ledger is checked whole (cached karma = sum, chains intact).
 */
async function ledger(t: ContractStore) {
  await t.expectLedgerIntact()
  const rows = []
  for (const m of (await allMembers(t.store)).sort((a, b) => a.id - b.id)) {
    rows.push({
      id: m.id,
      karma: m.karma,
      sum: await t.store.karma.ledgerSum(m.id),
      events: (await allKarmaEvents(t.store, m.id)).length,
    })
  }
  return rows
}

/** How many karma events are stored, over every member. */
const eventCount = async (t: ContractStore) => (await ledger(t)).reduce((n, row) => n + row.events, 0)

describeStore('karma', (open) => {
  describe('the ledger', () => {
    it("appends an event and moves the member's karma in the same transaction", async () => {
      const t = await open()
      await addMember(t, 1)
      const result = await appendEvent(t.store, event('site-1'))
      expect(result.replayed).toBe(false)
      expect(result.member).toMatchObject({ telegramId: 1, karma: 10 })
      expect(result.event).toMatchObject({ delta: 10, reason: 'answer accepted', karmaAfter: 10, source: 'api' })
      expect((await t.store.members.findByTelegramId(1))?.karma).toBe(10)
    })

    it('dates an event by the store’s clock, in ms, and gives a replay exactly the first result', async () => {
      // A clock between two seconds: the event reports its time as stored, so its replay is identical.
      const t = await open({ startMs: Date.UTC(2030, 0, 1, 12, 0, 0, 750) })
      const id = await addMember(t, 1)
      const first = await appendEvent(t.store, event('dated', { reason: '  trimmed  ' }))
      expect(first.event).toMatchObject({ memberId: id, actor: 'site', idempotencyKey: 'dated', reason: 'trimmed' })
      expect(t.now() - first.event.createdAt).toBeGreaterThanOrEqual(0)
      expect(t.now() - first.event.createdAt).toBeLessThan(SECOND)
      t.advance(5 * SECOND)
      expect(await appendEvent(t.store, event('dated', { reason: 'trimmed' }))).toEqual({ ...first, replayed: true })
      expect(await allKarmaEvents(t.store, id)).toEqual([first.event])
    })

    it('returns the first result for a replayed key, and 409s the same key with another payload', async () => {
      const t = await open()
      await addMember(t, 1)
      const first = await appendEvent(t.store, event('k'))
      await appendEvent(t.store, event('k2', { delta: 5 }))
      const replay = await appendEvent(t.store, event('k'))
      expect(replay).toEqual({ ...first, replayed: true })
      await expect(appendEvent(t.store, event('k', { delta: 11 }))).rejects.toMatchObject({
        code: 'idempotency_conflict',
      })
      expect((await t.store.members.findByTelegramId(1))?.karma).toBe(15)
    })

    it('refuses an unknown Telegram id, but creates a member for an external id not linked yet', async () => {
      const t = await open()
      await expect(appendEvent(t.store, event('a', { member: { telegramId: 99 } }))).rejects.toMatchObject({
        code: 'member_not_found',
      })
      const result = await appendEvent(t.store, event('b', { member: { externalId: 'u-42' } }))
      expect(result.member).toMatchObject({ telegramId: null, externalId: 'u-42', karma: 10 })
      const again = await appendEvent(t.store, event('c', { member: { externalId: 'u-42' }, delta: -2 }))
      expect(again.member).toMatchObject({ id: result.member.id, karma: 8 })
      expect(await t.store.members.findByExternalId('u-42')).toMatchObject({ id: result.member.id, karma: 8 })
    })

    it('takes a member by our own id from admins and the bot, and refuses an id nobody has', async () => {
      const t = await open()
      const id = await addMember(t, 1)
      const origin = { source: 'admin' as const, actor: 'admin:1' }
      const fields = (memberId: number, idempotencyKey: string) => ({
        member: { memberId },
        delta: 3,
        reason: 'helpful',
        idempotencyKey,
      })
      const result = await appendKarmaEvent(t.store, origin, fields(id, 'own-id'))
      expect(result).toMatchObject({ member: { id, karma: 3 }, event: { source: 'admin', actor: 'admin:1' } })
      await expect(appendKarmaEvent(t.store, origin, fields(id + 100, 'nobody'))).rejects.toMatchObject({
        code: 'member_not_found',
      })
    })

    it('sums a member’s ledger; a member without events, or without a row, sums to 0', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      await appendEvents(t.store, [event('x', { delta: 7 }), event('y', { delta: -3 })])
      expect(await t.store.karma.ledgerSum(ada)).toBe(4)
      expect(await t.store.karma.ledgerSum(bob)).toBe(0)
      expect(await t.store.karma.ledgerSum(bob + 100)).toBe(0)
    })

    it.each([
      ['zero delta', { delta: 0 }, 'delta'],
      ['fractional delta', { delta: 1.5 }, 'delta'],
      ['huge delta', { delta: 1_000_001 }, 'delta'],
      ['empty reason', { reason: '   ' }, 'reason'],
      ['long reason', { reason: 'x'.repeat(501) }, 'reason'],
      ['key with a space', { idempotencyKey: 'a b' }, 'idempotencyKey'],
      ['empty key', { idempotencyKey: '' }, 'idempotencyKey'],
      ['non-positive telegram id', { member: { telegramId: 0 } }, 'member.telegramId'],
    ] as const)('refuses %s with a clear error and changes nothing', async (_name, over, field) => {
      const t = await open()
      await addMember(t, 1)
      const err = await appendEvent(t.store, event('x', over)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KarmaError)
      expect(err).toMatchObject({ code: 'invalid', field })
      expect(await eventCount(t)).toBe(0)
    })

    it('applies a batch all or nothing, naming the index of the refused event', async () => {
      const t = await open()
      await addMember(t, 1)
      const err = await appendEvents(t.store, [event('b1'), event('b2', { member: { telegramId: 404 } })]).catch(
        (e: unknown) => e,
      )
      expect(err).toMatchObject({ code: 'member_not_found', index: 1 })
      expect((await t.store.members.findByTelegramId(1))?.karma).toBe(0)
      const ok = await appendEvents(t.store, [event('b1'), event('b2', { delta: -3 })])
      expect(ok.map((r) => r.member.karma)).toEqual([10, 7])
    })

    it('creates no member for the external id of a batch refused later on', async () => {
      const t = await open()
      await addMember(t, 1)
      const err = await appendEvents(t.store, [
        event('new-ext', { member: { externalId: 'u-new' } }),
        event('unknown', { member: { telegramId: 404 } }),
      ]).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'member_not_found', index: 1 })
      expect(await t.store.members.findByExternalId('u-new')).toBeUndefined()
      expect(await allMembers(t.store)).toHaveLength(1)
    })

    it('queues the work of a rule line crossed, in the same transaction as the event', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 15, removeBelow: null }, t.now())
      await appendEvent(t.store, event('below'))
      expect(await jobsIn(t.store)).toEqual([])
      await appendEvent(t.store, event('across'))
      expect(await jobsIn(t.store)).toEqual([['member.invite', { memberId: ada, chatId: chat }]])
      expect((await t.store.memberships.get(ada, chat))?.state).toBe('eligible')
    })

    it("keeps every member's karma equal to the sum of their ledger under random operations", async () => {
      const t = await open()
      for (const id of [1, 2, 3]) await addMember(t, id)
      const op = fc.oneof(
        fc.record({
          kind: fc.constant('one' as const),
          who: fc.oneof(
            fc.constantFrom(1, 2, 3, 404).map((telegramId) => ({ telegramId })),
            fc.constantFrom('e-1', 'e-2').map((externalId) => ({ externalId })),
          ),
          delta: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(0)),
          key: fc.integer({ min: 1, max: 40 }).map(String),
        }),
        fc.record({
          kind: fc.constant('batch' as const),
          items: fc.array(
            fc.record({
              who: fc.constantFrom(1, 2, 3),
              delta: fc.integer({ min: -50, max: 50 }),
              key: fc.integer({ min: 1, max: 40 }).map(String),
            }),
            { minLength: 1, maxLength: 5 },
          ),
        }),
      )
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          for (const o of ops) {
            try {
              if (o.kind === 'one') await appendEvent(t.store, event(o.key, { member: o.who, delta: o.delta }))
              else
                await appendEvents(
                  t.store,
                  o.items.map((i) => event(i.key, { member: { telegramId: i.who }, delta: i.delta })),
                )
            } catch (err) {
              if (!(err instanceof KarmaError)) throw err
            }
          }
          for (const row of await ledger(t)) expect(row.karma).toBe(row.sum)
        }),
        { numRuns: 40 },
      )
    })
  })

  // A batch is applied set-based (one lookup for all keys, one update per member, one reconcile
  // per member at the end). These check that its results are still those of the events one by one.
  describe('a batch', () => {
    it('replays a key repeated inside it with the first result, counting the event once', async () => {
      const t = await open()
      const id = await addMember(t, 1)
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
      expect(await eventCount(t)).toBe(3)
      expect(await ledger(t)).toEqual([{ id, karma: 14, sum: 14, events: 3 }])
    })

    it('refuses, all of it, a key repeated inside it for a different event (409 at the second place)', async () => {
      const t = await open()
      const id = await addMember(t, 1)
      const err = await appendEvents(t.store, [event('a'), event('b'), event('a', { delta: 11 })]).catch(
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(KarmaError)
      expect(err).toMatchObject({ code: 'idempotency_conflict', index: 2, field: 'idempotencyKey' })
      expect(await eventCount(t)).toBe(0)
      expect(await ledger(t)).toEqual([{ id, karma: 0, sum: 0, events: 0 }])
    })

    it('mixes replays of stored keys with new events, in order, with the right karma after each', async () => {
      const t = await open()
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
      expect(results.filter((r) => !r.replayed).map((r) => r.event.id)).toEqual([
        second.event.id + 1,
        second.event.id + 2,
        second.event.id + 3,
      ])
      for (const row of await ledger(t)) expect(row.karma).toBe(row.sum)
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
      const t = await open()
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
        const name =
          'telegramId' in ref ? `t${String(ref.telegramId)}` : 'externalId' in ref ? `e${ref.externalId}` : ''
        const after = running.get(name)! + deltas[i]!
        running.set(name, after)
        expect(r.event.karmaAfter).toBe(after)
        expect(r.member.karma).toBe(after)
      })
      // The external member new in this batch was created once, and kept its events.
      expect((await t.store.members.findByExternalId('u-new'))?.karma).toBe(running.get('eu-new'))
      for (const row of await ledger(t)) expect(row.karma).toBe(row.sum)
      expect((await ledger(t)).map((r) => r.events)).toEqual([167, 168, 166])
    })

    it('refuses an external id that is not well-formed UTF-16, writing nothing', async () => {
      const t = await open()
      const err = await appendEvent(t.store, event('broken', { member: { externalId: 'u-\ud800' } })).catch(
        (e: unknown) => e,
      )
      expect(err).toMatchObject({ code: 'invalid', field: 'member.externalId' })
      expect(await ledger(t)).toEqual([])
    })

    it('finds a member by any external id, in any script', async () => {
      const t = await open()
      const odd = 'u-é😀ß'
      await appendEvent(t.store, event('first', { member: { externalId: odd }, delta: 2 }))
      const results = await appendEvents(t.store, [
        event('a', { member: { externalId: odd } }),
        event('b', { member: { externalId: 'plain' } }),
        event('c', { member: { externalId: odd }, delta: 1 }),
      ])
      expect(results.map((r) => r.member.karma)).toEqual([12, 10, 13])
      expect(new Set([results[0]!.member.id, results[2]!.member.id]).size).toBe(1)
      expect((await ledger(t)).map((r) => r.karma)).toEqual([13, 10])
    })

    it('reconciles a member once, against the karma the batch leaves: up and back down queues nothing', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      const cy = await addMember(t, 3)
      const dee = await addMember(t, 4)
      const chat = await addActiveChat(t)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
      // Cy and Dee are in the chat with 120.
      await appendEvents(t.store, [
        event('seed-cy', { member: { telegramId: 3 }, delta: 120 }),
        event('seed-dee', { member: { telegramId: 4 }, delta: 120 }),
      ])
      await t.store.memberships.set(cy, chat, 'member', 'approved', t.now())
      await t.store.memberships.set(dee, chat, 'member', 'approved', t.now())
      const before = (await jobsIn(t.store)).length

      const ups = (who: number, prefix: string, deltas: number[]) =>
        deltas.map((delta, i) => event(`${prefix}-${String(i)}`, { member: { telegramId: who }, delta }))
      await appendEvents(t.store, [
        ...ups(1, 'ada', [60, 60, -100]), // 120 then 20: crossed up and back within the batch
        ...ups(2, 'bob', [60, -30, 80]), // 110 at the end: in
        ...ups(3, 'cy', [-100, 90]), // 20 then 110: fell below remove_below and came back
        ...ups(4, 'dee', [10, -90]), // 40 at the end: out
      ])
      const jobs = (await jobsIn(t.store)).slice(before)
      expect(jobs).toEqual([
        ['member.invite', { memberId: bob, chatId: chat }],
        ['member.remove', { memberId: dee, chatId: chat }],
      ])
      expect((await t.store.memberships.get(ada, chat))?.state ?? null).toBeNull()
      expect((await t.store.memberships.get(bob, chat))?.state).toBe('eligible')
      expect((await t.store.memberships.get(cy, chat))?.state).toBe('member')
      for (const row of await ledger(t)) expect(row.karma).toBe(row.sum)
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
      /** Who is let in (or on the way in): every membership not removed, as [member, chat, state]. */
      const inside = async (s: ContractStore) => {
        const rows: [number, number, string][] = []
        for (const m of (await allMembers(s.store)).sort((a, b) => a.id - b.id)) {
          for (const c of await s.store.adminStats.memberChats(m.id)) {
            if (c.state !== 'removed') rows.push([m.id, c.chatId, c.state])
          }
        }
        return rows.sort((a, b) => a[0] - b[0] || a[1] - b[1])
      }
      await fc.assert(
        fc.asyncProperty(
          fc.array(item, { maxLength: 6 }),
          fc.array(item, { minLength: 1, maxLength: 30 }),
          async (history, batch) => {
            const stores = [await open(), await open()] as const
            for (const s of stores) {
              await addMember(s, 1)
              await addMember(s, 2)
              const chat = await addActiveChat(s)
              await s.store.rules.create({ groupId: null, chatId: chat, minKarma: 40, removeBelow: 10 }, s.now())
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
              expect(await ledger(bulk)).toEqual(await ledger(oneByOne))
            } else {
              expect(outcome).toBeInstanceOf(KarmaError)
              const { code, index, field } = refusal as KarmaError
              expect(outcome).toMatchObject({ code, index, field })
            }
            for (const row of await ledger(bulk)) expect(row.karma).toBe(row.sum)
            // Who is let in (or on the way in) is the same: the batch reconciles once, at its end, so a
            // member who crossed up and back down has no row where the one-by-one path left 'removed'.
            if (refusal === undefined) {
              expect(await inside(bulk)).toEqual(await inside(oneByOne))
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
})
