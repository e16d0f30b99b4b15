import { describe, expect, it } from 'vitest'
import { DAY, HOUR, SECOND } from '../../../src/time.js'
import { describeStore } from '../../support/contract.js'

describeStore('worker state', (open) => {
  it('knows nothing before the worker has run', async () => {
    const t = await open()
    expect(await t.store.workerState.read()).toEqual({
      userId: null,
      userName: null,
      lastSeenAt: null,
      lastError: null,
      lastErrorAt: null,
      pausedUntil: null,
      pauseReason: null,
    })
    expect(await t.store.workerState.pendingLoginQr(t.now())).toBeNull()
    expect(await t.store.workerState.chatsCreatedSince(t.now() - DAY)).toEqual({ count: 0, oldest: null })
  })

  it('records who the worker is and when it was last seen, and its last error, times in ms', async () => {
    const t = await open()
    await t.store.workerState.recordSeen(555, '@sandbox_account', t.now())
    t.advance(HOUR)
    await t.store.workerState.recordError('FLOOD_WAIT_30', t.now())
    t.advance(HOUR)
    await t.store.workerState.recordSeen(555, 'Sandbox Account', t.now())
    expect(await t.store.workerState.read()).toEqual({
      userId: 555,
      userName: 'Sandbox Account',
      lastSeenAt: t.now(),
      lastError: 'FLOOD_WAIT_30',
      lastErrorAt: t.now() - HOUR,
      pausedUntil: null,
      pauseReason: null,
    })
  })

  it('pauses until a time, with why, and lifts the pause with null', async () => {
    const t = await open()
    await t.store.workerState.recordSeen(555, 'a', t.now())
    await t.store.workerState.setPause(t.now() + DAY, 'PEER_FLOOD')
    expect(await t.store.workerState.read()).toMatchObject({
      userId: 555,
      pausedUntil: t.now() + DAY,
      pauseReason: 'PEER_FLOOD',
    })
    await t.store.workerState.setPause(null, null)
    expect(await t.store.workerState.read()).toMatchObject({ userId: 555, pausedUntil: null, pauseReason: null })
  })

  describe('the login QR code', () => {
    it('is shown until it expires, not at its expiry nor after', async () => {
      const t = await open()
      const expiresAt = t.now() + 30 * SECOND
      await t.store.workerState.recordLoginQr('tg://login?token=AAA', expiresAt)
      expect(await t.store.workerState.pendingLoginQr(t.now())).toEqual({ url: 'tg://login?token=AAA', expiresAt })
      expect(await t.store.workerState.pendingLoginQr(expiresAt - 1)).toEqual({
        url: 'tg://login?token=AAA',
        expiresAt,
      })
      expect(await t.store.workerState.pendingLoginQr(expiresAt)).toBeNull()
      expect(await t.store.workerState.pendingLoginQr(expiresAt + HOUR)).toBeNull()
    })

    it('is replaced by the next one, and forgotten when the login ends', async () => {
      const t = await open()
      await t.store.workerState.recordLoginQr('tg://login?token=AAA', t.now() + 30 * SECOND)
      await t.store.workerState.recordLoginQr('tg://login?token=BBB', t.now() + 60 * SECOND)
      expect(await t.store.workerState.pendingLoginQr(t.now())).toEqual({
        url: 'tg://login?token=BBB',
        expiresAt: t.now() + 60 * SECOND,
      })
      await t.store.workerState.clearLoginQr()
      expect(await t.store.workerState.pendingLoginQr(t.now())).toBeNull()
      // Clearing twice is harmless; the rest of the state is untouched.
      await t.store.workerState.clearLoginQr()
      expect((await t.store.workerState.read()).userId).toBeNull()
    })

    it('is seen by another process (the admin page of the site)', async () => {
      const t = await open()
      await t.store.workerState.recordLoginQr('tg://login?token=CCC', t.now() + 30 * SECOND)
      expect((await (await t.openAnother()).workerState.pendingLoginQr(t.now()))?.url).toBe('tg://login?token=CCC')
    })
  })

  describe('the chat-creation window', () => {
    it('counts the chats created after a time, and the oldest of them', async () => {
      const t = await open()
      const start = t.now()
      await t.store.workerState.recordChatCreated(1, start)
      await t.store.workerState.recordChatCreated(2, start + HOUR)
      await t.store.workerState.recordChatCreated(3, start + 2 * HOUR)
      expect(await t.store.workerState.chatsCreatedSince(start - DAY)).toEqual({ count: 3, oldest: start })
      // After `since`, strictly: a chat created at `since` has left the window.
      expect(await t.store.workerState.chatsCreatedSince(start)).toEqual({ count: 2, oldest: start + HOUR })
      expect(await t.store.workerState.chatsCreatedSince(start + HOUR - 1)).toEqual({ count: 2, oldest: start + HOUR })
      expect(await t.store.workerState.chatsCreatedSince(start + 2 * HOUR)).toEqual({ count: 0, oldest: null })
    })

    it('counts a chat once, however often it is recorded', async () => {
      const t = await open()
      await t.store.workerState.recordChatCreated(7, t.now())
      await t.store.workerState.recordChatCreated(7, t.now() + HOUR)
      expect(await t.store.workerState.chatsCreatedSince(t.now() - DAY)).toEqual({ count: 1, oldest: t.now() })
    })
  })
})
