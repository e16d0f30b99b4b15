import { describe, expect, it } from 'vitest'
import { MAX_THRESHOLD, RuleError, type RuleInput, validateRule } from '../../../src/access/rules.js'

const input = (minKarma: number, removeBelow: number | null): RuleInput => ({
  groupId: null,
  chatId: 1,
  minKarma,
  removeBelow,
})

/** The refusal of `validateRule`, or 'ok'. */
function verdict(rule: RuleInput): { field: string; message: string } | 'ok' {
  try {
    validateRule(rule)
    return 'ok'
  } catch (err) {
    if (err instanceof RuleError) return { field: err.field, message: err.message }
    throw err
  }
}

describe('validateRule', () => {
  it('accepts whole thresholds, negative and zero included, and no removal line', () => {
    for (const rule of [input(0, null), input(10, null), input(-50, null), input(10, 5), input(0, -3), input(-5, -10)])
      expect(verdict(rule)).toBe('ok')
  })

  it('accepts "remove below" equal to the minimum (no hysteresis), refuses it above', () => {
    expect(verdict(input(10, 10))).toBe('ok')
    expect(verdict(input(10, 11))).toEqual({
      field: 'removeBelow',
      message: '"Remove below" cannot be above the minimum karma: members would be removed right after joining.',
    })
    expect(verdict(input(-10, -9))).toMatchObject({ field: 'removeBelow' })
  })

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53])(
    'refuses a minimum of %s, naming the field',
    (minKarma) => {
      expect(verdict(input(minKarma, null))).toEqual({
        field: 'minKarma',
        message: 'Minimum karma must be a whole number.',
      })
    },
  )

  it.each([0.5, Number.NaN, Number.NEGATIVE_INFINITY, -(2 ** 53)])(
    'refuses "remove below" of %s, naming the field',
    (removeBelow) => {
      expect(verdict(input(10, removeBelow))).toEqual({
        field: 'removeBelow',
        message: '"Remove below" must be a whole number, or empty to never remove.',
      })
    },
  )

  it('bounds both thresholds at MAX_THRESHOLD either way, the bound itself allowed', () => {
    expect(MAX_THRESHOLD).toBe(1_000_000_000)
    expect(verdict(input(MAX_THRESHOLD, MAX_THRESHOLD))).toBe('ok')
    expect(verdict(input(-MAX_THRESHOLD, -MAX_THRESHOLD))).toBe('ok')
    expect(verdict(input(MAX_THRESHOLD + 1, null))).toMatchObject({ field: 'minKarma' })
    expect(verdict(input(-MAX_THRESHOLD - 1, null))).toMatchObject({ field: 'minKarma' })
    expect(verdict(input(0, -MAX_THRESHOLD - 1))).toMatchObject({ field: 'removeBelow' })
    // Above the bound is refused as a number before it is compared with the minimum.
    expect(verdict(input(MAX_THRESHOLD, MAX_THRESHOLD + 1))).toMatchObject({
      field: 'removeBelow',
      message: expect.stringMatching(/must be a whole number/) as unknown,
    })
  })

  it('names the minimum first when both are wrong', () => {
    expect(verdict(input(1.5, 2.5))).toMatchObject({ field: 'minKarma' })
  })

  it('throws a RuleError, an Error by that name', () => {
    expect(() => {
      validateRule(input(1, 2))
    }).toThrow(RuleError)
    const err = new RuleError('m', 'f')
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('RuleError')
  })
})
