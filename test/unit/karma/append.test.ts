import { describe, expect, it } from 'vitest'
import type { KarmaRepository } from '../../../src/db/karma.js'
import { appendKarmaEvent, appendKarmaEvents } from '../../../src/karma/append.js'
import { type KarmaAppendResult, KarmaError } from '../../../src/karma/events.js'
import { type Call, fakeStore, namesOf } from '../fakes.js'

const origin = { source: 'api', actor: 'key-a' } as const
const event = (n: number, extra: Record<string, unknown> = {}) => ({
  member: { telegramId: 100 + n },
  delta: n,
  reason: ` reason ${String(n)} `,
  idempotencyKey: `k-${String(n)}`,
  ...extra,
})

/** A result the fake ledger answers with; the code under test only passes it on. */
const result = (n: number) => ({ event: { id: n }, member: { id: n }, replayed: false }) as unknown as KarmaAppendResult

/** A ledger that appends whatever it is given, or refuses with `refusal`. */
function ledger(refusal?: KarmaError): { store: ReturnType<typeof fakeStore>['store']; calls: Call[] } {
  const karma: Partial<KarmaRepository> = {
    append: () => (refusal ? Promise.reject(refusal) : Promise.resolve(result(1))),
    appendBatch: (events) => (refusal ? Promise.reject(refusal) : Promise.resolve(events.map((_e, i) => result(i)))),
  }
  return fakeStore({ karma })
}

/** What `promise` rejected with. */
async function refusalOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (err: unknown) => err,
  )
}

describe('appendKarmaEvents', () => {
  it('checks every event, then hands the ledger the whole batch once, with its origin and trimmed reasons', async () => {
    const { store, calls } = ledger()
    const results = await appendKarmaEvents(store, origin, [event(1), event(2)])
    expect(results).toEqual([result(0), result(1)])
    expect(namesOf(calls)).toEqual(['karma.appendBatch'])
    expect(calls[0]?.[1]).toEqual([
      {
        member: { telegramId: 101 },
        delta: 1,
        reason: 'reason 1',
        idempotencyKey: 'k-1',
        source: 'api',
        actor: 'key-a',
      },
      {
        member: { telegramId: 102 },
        delta: 2,
        reason: 'reason 2',
        idempotencyKey: 'k-2',
        source: 'api',
        actor: 'key-a',
      },
    ])
  })

  it('refuses the batch at its first invalid event, with that index, before the store is touched', async () => {
    const { store, calls } = ledger()
    const err = await refusalOf(
      appendKarmaEvents(store, origin, [event(1), event(2, { delta: 0 }), event(3, { reason: '   ' })]),
    )
    expect(err).toBeInstanceOf(KarmaError)
    expect(err).toMatchObject({ code: 'invalid', field: 'delta', index: 1 })
    expect(calls).toEqual([])
  })

  it('checks the last event too: one bad event at the end stops all of them', async () => {
    const { store, calls } = ledger()
    const events = [event(1), event(2), event(3), { ...event(4), member: { memberId: 4 } }]
    // The API may not name a member by our id (admins and the bot may).
    expect(await refusalOf(appendKarmaEvents(store, origin, events))).toMatchObject({
      code: 'invalid',
      field: 'member.memberId',
      index: 3,
    })
    expect(calls).toEqual([])
  })

  it("passes the ledger's refusal on as it is", async () => {
    const refusal = new KarmaError('member_not_found', 'no member with Telegram id 102')
    refusal.index = 1
    const { store, calls } = ledger(refusal)
    expect(await refusalOf(appendKarmaEvents(store, origin, [event(1), event(2)]))).toBe(refusal)
    expect(namesOf(calls)).toEqual(['karma.appendBatch'])
  })
})

describe('appendKarmaEvent', () => {
  it('appends one event, not as a batch', async () => {
    const { store, calls } = ledger()
    expect(await appendKarmaEvent(store, { source: 'admin', actor: 'admin:1' }, event(7))).toEqual(result(1))
    expect(calls).toEqual([
      [
        'karma.append',
        {
          member: { telegramId: 107 },
          delta: 7,
          reason: 'reason 7',
          idempotencyKey: 'k-7',
          source: 'admin',
          actor: 'admin:1',
        },
      ],
    ])
  })

  it('refuses an invalid event without an index, and without touching the store', async () => {
    const { store, calls } = ledger()
    const err = await refusalOf(appendKarmaEvent(store, origin, event(1, { idempotencyKey: 'has space' })))
    expect(err).toMatchObject({ code: 'invalid', field: 'idempotencyKey', index: undefined })
    expect(calls).toEqual([])
  })
})
