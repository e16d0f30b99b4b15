import { describe, expect, it } from 'vitest'
import { normalizePhoneNumber } from '../../../src/worker/phone-number.js'

describe('normalizePhoneNumber', () => {
  it('normalizes phone numbers as people write them, and refuses what cannot be one', () => {
    expect(normalizePhoneNumber(' +49 (30) 1234-5678 ')).toBe('+493012345678')
    expect(normalizePhoneNumber('442079460958')).toBe('+442079460958')
    for (const bad of [
      '',
      '+',
      '123456',
      '+1234567890123456',
      '+0 20 7946 0958',
      '+44 20 7946 0958 ext 2',
      'tel:+442079460958',
    ]) {
      expect(normalizePhoneNumber(bad)).toBeUndefined()
    }
  })
})
