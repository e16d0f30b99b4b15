import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DAY,
  fromUnixSeconds,
  HOUR,
  MINUTE,
  msToWholeSeconds,
  SECOND,
  secondsToMs,
  toUnixSeconds,
} from '../../src/time.js'

/** Any time from 1970 to well past 2100, in ms. */
const anyMs = fc.integer({ min: 0, max: 2 ** 42 })

describe('time', () => {
  it('counts in ms', () => {
    expect([SECOND, MINUTE, HOUR, DAY]).toEqual([1000, 60_000, 3_600_000, 86_400_000])
  })

  it('converts ms to Unix seconds rounding down, and back exactly', () => {
    expect(toUnixSeconds(1_700_000_000_999)).toBe(1_700_000_000)
    expect(toUnixSeconds(1_700_000_000_000)).toBe(1_700_000_000)
    expect(toUnixSeconds(999)).toBe(0)
    // Down, not toward zero: before the epoch too.
    expect(toUnixSeconds(-1)).toBe(-1)
    expect(fromUnixSeconds(1_700_000_000)).toBe(1_700_000_000_000)
    expect(fromUnixSeconds(0)).toBe(0)
  })

  it('a stored time is never later than the moment it records, and at most a second earlier', () => {
    fc.assert(
      fc.property(anyMs, (ms) => {
        const stored = fromUnixSeconds(toUnixSeconds(ms))
        return stored <= ms && ms - stored < SECOND && Number.isInteger(toUnixSeconds(ms))
      }),
    )
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 }), (s) => toUnixSeconds(fromUnixSeconds(s)) === s))
  })

  it('converts a duration in seconds to ms, fractions included', () => {
    expect(secondsToMs(42)).toBe(42_000)
    expect(secondsToMs(1.5)).toBe(1500)
    expect(secondsToMs(0)).toBe(0)
  })

  it('turns a duration in ms into whole seconds rounding up, so a Retry-After never says too little', () => {
    expect([0, 1, 999, 1000, 1001, 59_001].map(msToWholeSeconds)).toEqual([0, 1, 1, 1, 2, 60])
    fc.assert(
      fc.property(anyMs, (ms) => {
        const s = msToWholeSeconds(ms)
        return Number.isInteger(s) && secondsToMs(s) >= ms && secondsToMs(s) - ms < SECOND
      }),
    )
  })
})
