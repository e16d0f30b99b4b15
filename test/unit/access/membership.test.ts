import { describe, expect, it } from 'vitest'
import {
  DIRECT_ADD_QUEUED_REASON,
  KARMA_REACHED_REASON_PREFIX,
  karmaReachedReason,
  LINK_ON_SITE_REASON,
} from '../../../src/access/membership.js'

describe('membership reasons', () => {
  it('karmaReachedReason: the prefix, then the line the member reached', () => {
    expect(karmaReachedReason(50)).toBe('karma reached 50')
    expect(karmaReachedReason(0)).toBe('karma reached 0')
    expect(karmaReachedReason(-20)).toBe('karma reached -20')
    for (const minKarma of [1, 1_000_000_000, -1_000_000_000]) {
      const reason = karmaReachedReason(minKarma)
      expect(reason.startsWith(KARMA_REACHED_REASON_PREFIX)).toBe(true)
      expect(Number(reason.slice(KARMA_REACHED_REASON_PREFIX.length))).toBe(minKarma)
    }
  })

  it('a queued direct add keeps the link-on-the-site reason it extends', () => {
    expect(DIRECT_ADD_QUEUED_REASON.startsWith(LINK_ON_SITE_REASON)).toBe(true)
    expect(DIRECT_ADD_QUEUED_REASON).not.toBe(LINK_ON_SITE_REASON)
  })
})
