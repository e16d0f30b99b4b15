import type { tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { parseLoginArgs, runWorkerLogin } from '../../../../src/worker/cli/login.js'
import { fakeQr, scan, SELF, stubClient, token, twoFactorClient } from '../../../support/mtcute-stub.js'
import { type TestStore, testStores } from '../../../support/store.js'

const newStore = testStores()

/** The QR columns as stored, read through a second connection. */
function storedQr(t: TestStore): { url: string | null; expiresAt: number | null } {
  const row = t.db
    .prepare<[], { url: string | null; expiresAt: number | null }>(
      'SELECT login_qr_url AS url, login_qr_expires_at AS expiresAt FROM worker_state WHERE id = 1',
    )
    .get()
  return row ?? { url: null, expiresAt: null }
}

describe('worker:login arguments', () => {
  it.each([
    [[], { method: 'qr' }],
    [['--phone'], { method: 'phone', phone: undefined }],
    [['--phone', '+44 20 7946 0958'], { method: 'phone', phone: '+442079460958' }],
    [['--phone=+1 (555) 010-0123'], { method: 'phone', phone: '+15550100123' }],
  ])('%j → %j', (argv, parsed) => {
    expect(parseLoginArgs(argv)).toEqual(parsed)
  })

  it.each([
    [['--qr'], "unknown option '--qr'"],
    [['--phone', '+442079460958', '--code=1'], "unknown option '--code'"],
    [['now'], "unexpected argument 'now'"],
    [['--phone', '--phone'], '--phone is given twice'],
    [['--phone', '12'], '--phone must be a phone number in international format'],
    [['--phone=+44 20 CALL ME'], '--phone must be a phone number in international format'],
  ])('%j is refused: %s', (argv, problem) => {
    const parsed = parseLoginArgs(argv)
    expect(parsed).toHaveProperty('problem')
    expect((parsed as { problem: string }).problem).toContain(problem)
  })
})

/**
 * `worker:login` shares its QR link with the admin page through `worker_state`: each new link
 * replaces the last, and the login's end (success or failure) clears it.
 */
describe('worker:login and the admin page’s QR', () => {
  it('records each new link with its expiry as it is printed, and clears it once logged in', async () => {
    const t = newStore()
    const { stub, tg } = stubClient()
    let exports = 0
    stub
      .respondWith('auth.exportLoginToken', (): tl.auth.TypeLoginToken => {
        exports++
        // 1: expires at once (a fresh one follows); 2: valid 30 s and scanned; 3: logged in.
        if (exports === 1) return token([1, 2, 3], 0)
        if (exports === 2) return token([4, 5, 6], 30)
        return { _: 'auth.loginTokenSuccess', authorization: { _: 'auth.authorization', user: SELF } }
      })
      .respondWith('users.getUsers', () => [SELF])
    const seen: { url: string | null; expiresAt: number | null }[] = []
    const before = Math.floor(Date.now() / 1000)
    const code = await runWorkerLogin(
      tg,
      {
        out: () => undefined,
        err: (text) => {
          if (!text.includes('tg://login')) return
          // By the time a link is printed, the admin page can already show it.
          seen.push(storedQr(t))
          if (text.includes('token=BAUG')) scan(stub)
        },
      },
      { renderQr: fakeQr, pendingQr: t.store.workerState },
    )
    expect(code).toBe(0)
    expect(seen.map((s) => s.url)).toEqual(['tg://login?token=AQID', 'tg://login?token=BAUG'])
    expect(seen[1]?.expiresAt).toBeGreaterThanOrEqual(before + 29)
    expect(seen[1]?.expiresAt).toBeLessThanOrEqual(before + 31)
    expect(storedQr(t)).toEqual({ url: null, expiresAt: null })
    expect(await t.store.workerState.pendingLoginQr(0)).toBeNull()
    await tg.destroy()
  })

  it('clears the link when the login fails too (a wrong TG_2FA_PASSWORD, exit 6)', async () => {
    const t = newStore()
    const { stub, tg } = twoFactorClient('right')
    let recorded: string | null = null
    const code = await runWorkerLogin(
      tg,
      {
        out: () => undefined,
        err: (text) => {
          if (!text.includes('tg://login')) return
          recorded = storedQr(t).url
          scan(stub)
        },
      },
      { renderQr: fakeQr, password: 'wrong', pendingQr: t.store.workerState },
    )
    expect(code).toBe(6)
    expect(recorded).toBe('tg://login?token=AQID')
    expect(storedQr(t)).toEqual({ url: null, expiresAt: null })
    await tg.destroy()
  })

  it('pendingLoginQr hides a link once it has expired (a killed worker:login leaves one behind)', async () => {
    const t = newStore()
    await t.store.workerState.recordLoginQr('tg://login?token=AAAA', 1000)
    expect(await t.store.workerState.pendingLoginQr(999)).toEqual({ url: 'tg://login?token=AAAA', expiresAt: 1000 })
    expect(await t.store.workerState.pendingLoginQr(1000)).toBeNull()
  })

  it('keeps logging in when the link cannot be recorded, and says so', async () => {
    const { stub, tg } = stubClient()
    stub
      .respondWith('auth.exportLoginToken', (): tl.auth.TypeLoginToken => {
        return stub.calls.length === 1
          ? token([1, 2, 3], 30)
          : { _: 'auth.loginTokenSuccess', authorization: { _: 'auth.authorization', user: SELF } }
      })
      .respondWith('users.getUsers', () => [SELF])
    const stderr: string[] = []
    const broken = {
      recordLoginQr: () => Promise.reject(new Error('database is locked')),
      clearLoginQr: () => Promise.resolve(),
    }
    const code = await runWorkerLogin(
      tg,
      {
        out: () => undefined,
        err: (text) => {
          stderr.push(text)
          if (text.includes('tg://login')) scan(stub)
        },
      },
      { renderQr: fakeQr, pendingQr: broken },
    )
    expect(code).toBe(0)
    expect(stderr.join('')).toMatch(/Could not share this code with the admin page: database is locked/)
    await tg.destroy()
  })
})
