import { describe, expect, it } from 'vitest'
import { KarmaError, karmaRequestHash, type KarmaSource, type MemberRef } from '../../../src/karma/events.js'
import { parseKarmaEvent } from '../../../src/karma/schema.js'

const request = {
  member: { telegramId: 5 } as MemberRef,
  delta: 10,
  reason: 'answer accepted',
  source: 'api' as KarmaSource,
}

describe('karmaRequestHash', () => {
  it('is the same for the same event, and a compact string', () => {
    expect(karmaRequestHash(request)).toBe(karmaRequestHash({ ...request, member: { telegramId: 5 } }))
    expect(karmaRequestHash(request)).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('does not depend on who asked or under which key: a replay by another caller is the same request', () => {
    const fields = { member: { telegramId: 5 }, delta: 10, reason: 'answer accepted' }
    const first = parseKarmaEvent({ ...fields, idempotencyKey: 'site-1' }, 'api', 'key-a')
    const again = parseKarmaEvent({ ...fields, idempotencyKey: 'site-2' }, 'api', 'key-b')
    expect(karmaRequestHash(first)).toBe(karmaRequestHash(again))
    expect(karmaRequestHash(first)).toBe(karmaRequestHash(request))
  })

  it.each([
    ['delta', { delta: 11 }],
    ['delta sign', { delta: -10 }],
    ['reason', { reason: 'answer accepted!' }],
    ['source', { source: 'admin' as KarmaSource }],
    ['member', { member: { telegramId: 6 } as MemberRef }],
    ['member by external id', { member: { externalId: '5' } as MemberRef }],
    ['member by our id', { member: { memberId: 5 } as MemberRef }],
  ])('differs when the %s differs', (_what, change) => {
    expect(karmaRequestHash({ ...request, ...change })).not.toBe(karmaRequestHash(request))
  })

  it('tells the three ways of naming a member apart, whatever the value', () => {
    const hashes = [{ telegramId: 7 }, { externalId: '7' }, { memberId: 7 }].map((member) =>
      karmaRequestHash({ ...request, member }),
    )
    expect(new Set(hashes).size).toBe(3)
  })

  it('cannot be fooled by a reason that looks like the next field', () => {
    // JSON framing: moving text between the reason and an external id changes the hash.
    const a = karmaRequestHash({ ...request, member: { externalId: 'a","b' }, reason: 'c' })
    const b = karmaRequestHash({ ...request, member: { externalId: 'a' }, reason: 'b","c' })
    expect(a).not.toBe(b)
  })
})

describe('KarmaError', () => {
  it('carries its code, field and problem; its index is set only for a batch', () => {
    const err = new KarmaError('invalid', 'delta must be …', 'delta', 'must be a non-zero integer')
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({
      name: 'KarmaError',
      code: 'invalid',
      field: 'delta',
      problem: 'must be a non-zero integer',
    })
    expect(err.index).toBeUndefined()
    expect(new KarmaError('member_not_found', 'no such member')).toMatchObject({ field: undefined, problem: undefined })
  })
})
