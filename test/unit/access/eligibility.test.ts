import { describe, expect, it } from 'vitest'
import {
  admits,
  covers,
  crossesThreshold,
  eligibilityOf,
  keeps,
  mayStay,
  thresholdsOf,
} from '../../../src/access/eligibility.js'

const rule = (minKarma: number, removeBelow: number | null, directAdd = false) => ({ minKarma, removeBelow, directAdd })

describe('the eligibility predicate', () => {
  it('admits at the minimum and keeps down to remove_below, never below', () => {
    expect([admits(rule(10, 5), 9), admits(rule(10, 5), 10)]).toEqual([false, true])
    expect([keeps(rule(10, 5), 4), keeps(rule(10, 5), 5), keeps(rule(10, null), -1e9)]).toEqual([false, true, true])
  })

  it('covers members with a Telegram id in the rule group, or everyone with one; never through a disabled rule', () => {
    const ada = { telegramId: 1, groupIds: [2] }
    expect(covers({ groupId: null, enabled: true }, ada)).toBe(true)
    expect(covers({ groupId: 2, enabled: true }, ada)).toBe(true)
    expect(covers({ groupId: 3, enabled: true }, ada)).toBe(false)
    expect(covers({ groupId: null, enabled: false }, ada)).toBe(false)
    expect(covers({ groupId: null, enabled: true }, { telegramId: null, groupIds: [] })).toBe(false)
  })

  it('takes the most generous rule: any admits, any keeps, the lowest minimum, direct add only where admitted', () => {
    const e = eligibilityOf({ karma: 12, covering: [rule(20, 0, true), rule(10, null)], managed: true })
    expect(e).toEqual({ eligible: true, keep: true, managed: true, minKarma: 10, karma: 12, directAdd: false })
    expect(eligibilityOf({ karma: 25, covering: [rule(20, 0, true)], managed: true }).directAdd).toBe(true)
    expect(eligibilityOf({ karma: 5, covering: [], managed: false })).toEqual({
      eligible: false,
      keep: false,
      managed: false,
      minKarma: null,
      karma: 5,
      directAdd: false,
    })
  })

  it('lets an approved member stay down to remove_below, one who came in alone only when admitted', () => {
    const between = eligibilityOf({ karma: 7, covering: [rule(10, 5)], managed: true })
    expect(mayStay(between, true)).toBe(true)
    expect(mayStay(between, false)).toBe(false)
    const below = eligibilityOf({ karma: 4, covering: [rule(10, 5)], managed: true })
    expect(mayStay(below, true)).toBe(false)
    expect(mayStay({ ...below, managed: false }, false)).toBe(true)
  })

  it('finds the lines karma can cross, either way', () => {
    expect(thresholdsOf([rule(10, 5), rule(10, null), rule(3, 3)]).sort((a, b) => a - b)).toEqual([3, 5, 10])
    expect(crossesThreshold([10], 9, 10)).toBe(true)
    expect(crossesThreshold([10], 10, 9)).toBe(true)
    expect(crossesThreshold([10], 10, 30)).toBe(false)
    expect(crossesThreshold([], -5, 5)).toBe(false)
  })
})
