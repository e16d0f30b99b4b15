import { describe, expect, it } from 'vitest'
import type { CompletedLogin } from '../../src/db/logins.js'
import { testStores } from '../support/store.js'

const store = testStores()
const NOW = 1_900_000_000_000

/** Times in ms, as the store takes them. */
function login(hash: string, signedAt: number, telegramId = 5001): CompletedLogin {
  return {
    hash,
    signedAt,
    hashExpiresAt: signedAt + 601_000,
    profile: { telegramId, firstName: 'Ada', lastName: null, username: null, photoUrl: null, allowsWriteToPm: false },
    session: { idHash: `session-${hash}`, data: {}, expiresAt: NOW + 3_600_000 },
    previousSessionIdHash: undefined,
  }
}

describe('login replay records (keyed by auth_date and hash)', () => {
  it('refuses the same signed login twice, and accepts another hash of the same second', async () => {
    const { store: s } = store()
    await expect(s.logins.complete(login('a'.repeat(64), NOW), NOW)).resolves.toMatchObject({ ok: true })
    await expect(s.logins.complete(login('a'.repeat(64), NOW), NOW)).resolves.toEqual({
      ok: false,
      reason: 'replayed',
    })
    await expect(s.logins.complete(login('b'.repeat(64), NOW), NOW)).resolves.toMatchObject({ ok: true })
  })

  it('forgets a hash once its URL has expired', async () => {
    const t = store()
    await t.store.logins.complete(login('c'.repeat(64), NOW), NOW)
    expect(await t.store.logins.purgeExpired(NOW + 600_000)).toBe(0)
    expect(await t.store.logins.purgeExpired(NOW + 601_000)).toBe(1)
    expect(t.db.prepare('SELECT count(*) FROM login_replays').pluck().get()).toBe(0)
  })
})
