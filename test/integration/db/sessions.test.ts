import { expect, it } from 'vitest'
import type { StoredSession } from '../../../src/db/sessions.js'
import { HOUR, SECOND } from '../../../src/time.js'
import { addMember, describeStore } from '../../support/contract.js'

describeStore('sessions', (open) => {
  it('stores a session and finds it by its id hash while it lives, as stored', async () => {
    const t = await open()
    const userId = await addMember(t, 1)
    const session: StoredSession = { idHash: 'h-1', userId, data: { returnTo: '/chats' }, expiresAt: t.now() + HOUR }
    await t.store.sessions.create(session, t.now())
    expect(await t.store.sessions.find('h-1', t.now())).toEqual(session)
    expect(await t.store.sessions.find('h-2', t.now())).toBeUndefined()
  })

  it('keeps a visitor’s session without a member, and empty data', async () => {
    const t = await open()
    await t.store.sessions.create({ idHash: 'visitor', userId: null, data: {}, expiresAt: t.now() + HOUR }, t.now())
    expect(await t.store.sessions.find('visitor', t.now())).toEqual({
      idHash: 'visitor',
      userId: null,
      data: {},
      expiresAt: t.now() + HOUR,
    })
  })

  it('has expired at its expiresAt: found just before, not at it nor after', async () => {
    const t = await open()
    const expiresAt = t.now() + HOUR
    await t.store.sessions.create({ idHash: 'h', userId: null, data: {}, expiresAt }, t.now())
    expect(await t.store.sessions.find('h', expiresAt - SECOND)).toBeDefined()
    expect(await t.store.sessions.find('h', expiresAt - 1)).toBeDefined()
    expect(await t.store.sessions.find('h', expiresAt)).toBeUndefined()
    expect(await t.store.sessions.find('h', expiresAt + HOUR)).toBeUndefined()
  })

  it('ends a session; ending one that does not exist is no error', async () => {
    const t = await open()
    await t.store.sessions.create({ idHash: 'a', userId: null, data: {}, expiresAt: t.now() + HOUR }, t.now())
    await t.store.sessions.create({ idHash: 'b', userId: null, data: {}, expiresAt: t.now() + HOUR }, t.now())
    await t.store.sessions.delete('a')
    expect(await t.store.sessions.find('a', t.now())).toBeUndefined()
    expect(await t.store.sessions.find('b', t.now())).toBeDefined()
    await expect(t.store.sessions.delete('a')).resolves.toBeUndefined()
    await expect(t.store.sessions.delete('never')).resolves.toBeUndefined()
  })

  it('purges the sessions expired at now, counting them, and only those', async () => {
    const t = await open()
    const now = t.now()
    for (const [idHash, expiresAt] of [
      ['past', now - HOUR],
      ['at-now', now],
      ['soon', now + SECOND],
      ['later', now + HOUR],
    ] as const) {
      await t.store.sessions.create({ idHash, userId: null, data: {}, expiresAt }, now - 2 * HOUR)
    }
    expect(await t.store.sessions.purgeExpired(now)).toBe(2)
    expect(await t.store.sessions.purgeExpired(now)).toBe(0)
    expect(await t.store.sessions.find('soon', now)).toBeDefined()
    expect(await t.store.sessions.find('later', now)).toBeDefined()
    // Purged, not only hidden: a later purge counts only the next to expire.
    expect(await t.store.sessions.purgeExpired(now + SECOND)).toBe(1)
  })
})
