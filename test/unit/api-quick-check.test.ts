import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  karmaBatchSchema,
  karmaEventSchema,
  quickKarmaBatch,
  quickKarmaEvent,
} from '../../src/web/api/schemas/requests.js'

// quickKarmaEvent lets well-formed events skip zod. It may send a valid event on to zod, but it
// must never accept what zod refuses, nor give anything other than what zod gives.

const valid = { member: { telegramId: 123 }, delta: 10, reason: 'answer accepted', idempotencyKey: 'site-991' }

/** Mostly the valid value; now and then something else, or nothing (the field left out). */
const field = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]) =>
  fc.oneof({ arbitrary: good, weight: 6 }, ...bad.map((arbitrary) => ({ arbitrary, weight: 1 })), {
    arbitrary: fc.constant(ABSENT),
    weight: 1,
  })
const ABSENT = Symbol('absent')

/** Values near a valid event: each field kept, replaced or dropped, and now and then one more. */
const nearEvent = fc
  .record({
    member: field(
      fc.oneof(
        fc.record({ telegramId: fc.integer({ min: 1 }) }),
        fc.record({ externalId: fc.string({ minLength: 1, maxLength: 100 }) }),
      ),
      fc.record(
        { telegramId: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53), fc.string(), fc.constant(null)) },
        { requiredKeys: [] },
      ),
      fc.record(
        { externalId: fc.oneof(fc.string({ maxLength: 110 }), fc.constant(' x'), fc.integer()) },
        { requiredKeys: [] },
      ),
      fc.record({ telegramId: fc.integer({ min: 1 }), externalId: fc.string() }),
      fc.anything(),
    ),
    delta: field(
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.integer({ min: -1_000_001, max: 1_000_001 }),
      fc.constantFrom(0, -0, 1.5, Number.NaN, Infinity),
      fc.string(),
      fc.anything(),
    ),
    reason: field(
      fc.string({ minLength: 1, maxLength: 500 }),
      fc.constantFrom('', '   ', 'x'.repeat(501)),
      fc.string({ maxLength: 510 }),
      fc.anything(),
    ),
    idempotencyKey: field(
      fc.stringMatching(/^[\x21-\x7e]{1,200}$/),
      fc.constantFrom('', 'a b', 'é', 'k'.repeat(201)),
      fc.string({ maxLength: 210 }),
      fc.anything(),
    ),
    extra: fc.oneof({ arbitrary: fc.constant(ABSENT), weight: 8 }, { arbitrary: fc.anything(), weight: 1 }),
  })
  .map((fields) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ABSENT)))

describe('quickKarmaEvent', () => {
  it('accepts a plain valid event, as zod gives it', () => {
    expect(quickKarmaEvent(valid)).toEqual(karmaEventSchema.parse(valid))
    expect(quickKarmaEvent({ ...valid, member: { externalId: 'u-42' } })).toEqual({
      ...valid,
      member: { externalId: 'u-42' },
    })
    expect(quickKarmaBatch({ events: [valid, valid] })).toEqual(
      karmaBatchSchema.parse({ events: [valid, valid] }).events,
    )
  })

  it('never accepts what zod refuses, and gives what zod gives', () => {
    let accepted = 0
    fc.assert(
      fc.property(fc.oneof(nearEvent, fc.anything()), (value) => {
        const quick = quickKarmaEvent(value)
        if (quick === undefined) return
        accepted++
        const parsed = karmaEventSchema.safeParse(value)
        expect(parsed.success).toBe(true)
        expect(quick).toEqual(parsed.data)
      }),
      { numRuns: 5000 },
    )
    // The property above is only worth something if some values got through.
    expect(accepted).toBeGreaterThan(20)
  })

  it('accepts a batch only when zod does', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ events: fc.array(fc.oneof(fc.constant(valid), nearEvent), { maxLength: 4 }) }),
          fc.anything(),
        ),
        (value) => {
          const quick = quickKarmaBatch(value)
          if (quick === undefined) return
          const parsed = karmaBatchSchema.safeParse(value)
          expect(parsed.success).toBe(true)
          expect(quick).toEqual(parsed.data?.events)
        },
      ),
      { numRuns: 2000 },
    )
    expect(quickKarmaBatch({ events: [] })).toBeUndefined()
    expect(quickKarmaBatch({ events: Array.from({ length: 1001 }, () => valid) })).toBeUndefined()
    expect(quickKarmaBatch({ events: [valid], more: 1 })).toBeUndefined()
  })
})
