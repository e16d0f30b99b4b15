import { expect, it } from 'vitest'
import { MINUTE } from '../../../src/time.js'
import { describeStore } from '../../support/contract.js'

describeStore('canary', (open) => {
  it('has no result before the first run', async () => {
    const t = await open()
    expect(await t.store.canary.last()).toBeUndefined()
  })

  it('gives back the last run as recorded, time in ms', async () => {
    const t = await open()
    const failed = { ok: false, checkedAt: t.now(), error: 'no URL button in the bot’s reply', durationMs: 4321 }
    await t.store.canary.record(failed)
    expect(await t.store.canary.last()).toEqual(failed)
  })

  it('overwrites: only the latest run is kept, and a pass has no error', async () => {
    const t = await open()
    await t.store.canary.record({ ok: false, checkedAt: t.now(), error: 'timeout', durationMs: 30_000 })
    const passed = { ok: true, checkedAt: t.now() + 5 * MINUTE, error: null, durationMs: 812 }
    await t.store.canary.record(passed)
    expect(await t.store.canary.last()).toEqual(passed)
  })

  it('is read by another process (the site’s /healthz reads what the worker wrote)', async () => {
    const t = await open()
    const result = { ok: true, checkedAt: t.now(), error: null, durationMs: 100 }
    await t.store.canary.record(result)
    expect(await (await t.openAnother()).canary.last()).toEqual(result)
  })
})
