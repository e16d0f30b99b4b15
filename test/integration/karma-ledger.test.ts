import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KarmaError } from '../../src/karma/events.js'
import {
  addMember,
  appendEvent,
  appendEvents,
  brokenChains,
  type TestKarmaEvent,
  testStores,
} from '../support/store.js'

const store = testStores()

const event = (over: Partial<TestKarmaEvent> & Pick<TestKarmaEvent, 'idempotencyKey'>): TestKarmaEvent => ({
  member: { telegramId: 1 },
  delta: 10,
  reason: 'answer accepted',
  source: 'api',
  actor: 'site',
  ...over,
})

describe('the karma ledger', () => {
  it("appends an event and moves the member's karma in the same transaction", async () => {
    const t = store()
    await addMember(t, 1)
    const result = await appendEvent(t.store, event({ idempotencyKey: 'site-1' }))
    expect(result.replayed).toBe(false)
    expect(result.member).toMatchObject({ telegramId: 1, karma: 10 })
    expect(result.event).toMatchObject({ delta: 10, reason: 'answer accepted', karmaAfter: 10, source: 'api' })
    expect((await t.store.members.findByTelegramId(1))?.karma).toBe(10)
  })

  it('returns the first result for a replayed key, and 409s the same key with another payload', async () => {
    const t = store()
    await addMember(t, 1)
    const first = await appendEvent(t.store, event({ idempotencyKey: 'k' }))
    await appendEvent(t.store, event({ idempotencyKey: 'k2', delta: 5 }))
    const replay = await appendEvent(t.store, event({ idempotencyKey: 'k' }))
    expect(replay).toEqual({ ...first, replayed: true })
    await expect(appendEvent(t.store, event({ idempotencyKey: 'k', delta: 11 }))).rejects.toMatchObject({
      code: 'idempotency_conflict',
    })
    expect((await t.store.members.findByTelegramId(1))?.karma).toBe(15)
  })

  it('refuses an unknown Telegram id, but creates a member for an external id not linked yet', async () => {
    const t = store()
    await expect(
      appendEvent(t.store, event({ idempotencyKey: 'a', member: { telegramId: 99 } })),
    ).rejects.toMatchObject({ code: 'member_not_found' })
    const result = await appendEvent(t.store, event({ idempotencyKey: 'b', member: { externalId: 'u-42' } }))
    expect(result.member).toMatchObject({ telegramId: null, externalId: 'u-42', karma: 10 })
    const again = await appendEvent(t.store, event({ idempotencyKey: 'c', member: { externalId: 'u-42' }, delta: -2 }))
    expect(again.member).toMatchObject({ id: result.member.id, karma: 8 })
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
    const t = store()
    await addMember(t, 1)
    const err = await appendEvent(t.store, event({ idempotencyKey: 'x', ...over })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KarmaError)
    expect(err).toMatchObject({ code: 'invalid', field })
    expect(t.db.prepare('SELECT count(*) AS n FROM karma_events').get()).toEqual({ n: 0 })
  })

  it('applies a batch all or nothing, naming the index of the refused event', async () => {
    const t = store()
    await addMember(t, 1)
    const err = await appendEvents(t.store, [
      event({ idempotencyKey: 'b1' }),
      event({ idempotencyKey: 'b2', member: { telegramId: 404 } }),
    ]).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'member_not_found', index: 1 })
    expect((await t.store.members.findByTelegramId(1))?.karma).toBe(0)
    const ok = await appendEvents(t.store, [
      event({ idempotencyKey: 'b1' }),
      event({ idempotencyKey: 'b2', delta: -3 }),
    ])
    expect(ok.map((r) => r.member.karma)).toEqual([10, 7])
  })

  it("keeps every member's karma equal to the sum of their ledger under random operations", async () => {
    const t = store()
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
            if (o.kind === 'one')
              await appendEvent(t.store, event({ member: o.who, delta: o.delta, idempotencyKey: o.key }))
            else
              await appendEvents(
                t.store,
                o.items.map((i) => event({ member: { telegramId: i.who }, delta: i.delta, idempotencyKey: i.key })),
              )
          } catch (err) {
            if (!(err instanceof KarmaError)) throw err
          }
        }
        const rows = t.db
          .prepare<[], { id: number; karma: number; sum: number }>(
            'SELECT u.id, u.karma, coalesce((SELECT sum(delta) FROM karma_events e WHERE e.user_id = u.id), 0) AS sum FROM users u',
          )
          .all()
        for (const row of rows) expect(row.karma).toBe(row.sum)
        expect(brokenChains(t.db)).toEqual([])
      }),
      { numRuns: 40 },
    )
  })
})
