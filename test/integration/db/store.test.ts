import { pino } from 'pino'
import { expect, it } from 'vitest'
import { addMember, describeStore } from '../../support/contract.js'
import { appendEvent } from '../../support/store.js'

// The Store itself, beyond its repositories: ping, upkeep and close.

describeStore('store', (open) => {
  it('answers a ping while open', async () => {
    const t = await open()
    await expect(t.store.ping()).resolves.toBeUndefined()
  })

  it('commits pending writes when it closes, and is unusable afterwards', async () => {
    const t = await open()
    const ada = await addMember(t, 1)
    // Not awaited: the write is pending when the store closes.
    const pending = appendEvent(t.store, {
      member: { telegramId: 1 },
      delta: 5,
      reason: 'just before closing',
      source: 'api',
      actor: 'site',
      idempotencyKey: 'last',
    })
    await t.store.close()
    await expect(pending).resolves.toMatchObject({ member: { id: ada, karma: 5 } })
    await expect(t.store.ping()).rejects.toThrow()
    const reopened = await t.openAnother()
    expect((await reopened.members.findById(ada))?.karma).toBe(5)
  })

  it('starts and stops its upkeep', async () => {
    const t = await open()
    const upkeep = t.store.startUpkeep({ logger: pino({ level: 'silent' }) })
    await addMember(t, 1)
    await expect(upkeep.stop()).resolves.toBeUndefined()
    await expect(t.store.ping()).resolves.toBeUndefined()
  })
})
