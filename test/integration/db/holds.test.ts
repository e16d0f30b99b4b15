import { expect, it } from 'vitest'
import { SECOND } from '../../../src/time.js'
import { describeStore } from '../../support/contract.js'

describeStore('holds', (open) => {
  it('holds an account until a time, never shortened by a shorter wait, and tells the ones in force', async () => {
    const t = await open()
    expect(await t.store.holds.get('bot')).toBeUndefined()
    expect(await t.store.holds.active(t.now())).toEqual([])
    const now = t.now()
    expect(await t.store.holds.extend('bot', now + 5 * SECOND, 'retry_after 5', now)).toMatchObject({
      account: 'bot',
      until: now + 5 * SECOND,
      reason: 'retry_after 5',
    })
    expect(await t.store.holds.extend('bot', now + 2 * SECOND, 'retry_after 2', now)).toMatchObject({
      until: now + 5 * SECOND,
      reason: 'retry_after 5',
    })
    expect((await t.store.holds.extend('bot', now + 9 * SECOND, '502 ×3', now)).until).toBe(now + 9 * SECOND)
    await t.store.holds.extend('worker', now + SECOND, 'FLOOD_WAIT_1', now)
    expect((await t.store.holds.active(now)).map((h) => h.account)).toEqual(['bot', 'worker'])
    expect((await t.store.holds.active(now + SECOND)).map((h) => h.account)).toEqual(['bot'])
    expect(await t.store.holds.get('worker')).toMatchObject({ until: now + SECOND })
  })

  it('is seen by another process at once', async () => {
    const t = await open()
    const other = await t.openAnother()
    await t.store.holds.extend('bot', t.now() + SECOND, 'retry_after 1', t.now())
    expect((await other.holds.get('bot'))?.until).toBe(t.now() + SECOND)
  })
})
