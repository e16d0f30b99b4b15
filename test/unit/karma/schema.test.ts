import { describe, expect, it } from 'vitest'
import { KarmaError } from '../../../src/karma/events.js'
import { parseKarmaEvent } from '../../../src/karma/schema.js'

const fields = { member: { telegramId: 5 }, delta: 10, reason: '  answer accepted ', idempotencyKey: 'site-1' }

const refusal = (input: unknown, source: 'api' | 'admin' = 'api') => {
  try {
    parseKarmaEvent(input, source, 'test')
  } catch (err) {
    if (err instanceof KarmaError) return { code: err.code, field: err.field, problem: err.problem }
    throw err
  }
  throw new Error('accepted')
}

describe('the karma event schema', () => {
  it('gives the event with its origin, the reason trimmed', () => {
    expect(parseKarmaEvent(fields, 'api', 'key-a')).toEqual({
      member: { telegramId: 5 },
      delta: 10,
      reason: 'answer accepted',
      idempotencyKey: 'site-1',
      source: 'api',
      actor: 'key-a',
    })
    expect(parseKarmaEvent({ ...fields, member: { externalId: 'u-1' } }, 'api', 'k').member).toEqual({
      externalId: 'u-1',
    })
  })

  it('lets admins and the bot name a member by our id, never the API', () => {
    expect(parseKarmaEvent({ ...fields, member: { memberId: 3 } }, 'admin', 'admin:1').member).toEqual({ memberId: 3 })
    expect(refusal({ ...fields, member: { memberId: 3 } })).toMatchObject({ field: 'member.memberId' })
  })

  it.each([
    [{ delta: 0 }, 'delta'],
    [{ delta: 1.5 }, 'delta'],
    [{ delta: 1_000_001 }, 'delta'],
    [{ reason: '   ' }, 'reason'],
    [{ reason: 'x'.repeat(501) }, 'reason'],
    [{ idempotencyKey: 'a b' }, 'idempotencyKey'],
    [{ idempotencyKey: '' }, 'idempotencyKey'],
    [{ member: { telegramId: 0 } }, 'member.telegramId'],
    [{ member: { externalId: ' u' } }, 'member.externalId'],
    [{ member: { telegramId: 1, externalId: 'u' } }, 'member'],
    [{ extra: true }, 'extra'],
    [{ delta: undefined }, 'delta'],
  ])('refuses %j as invalid, naming %s', (over, field) => {
    expect(refusal({ ...fields, ...over })).toMatchObject({ code: 'invalid', field })
  })

  it('says what is wrong in words, and names no field for an event that is not an object', () => {
    expect(refusal({ ...fields, delta: undefined }).problem).toBe('is required')
    expect(refusal({ ...fields, extra: 1 }).problem).toBe('is not a field of this request')
    expect(refusal([1])).toMatchObject({ field: undefined, problem: 'must be a JSON object' })
  })
})
