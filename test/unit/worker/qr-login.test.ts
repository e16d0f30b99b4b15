import type { tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { runWorkerLogin } from '../../../src/worker/cli/login.js'
import { qrLogin, WrongPasswordError } from '../../../src/worker/qr-login.js'
import { fakeQr, scan, SELF, stubClient, token, twoFactorClient } from '../../support/mtcute-stub.js'

describe('QR login', () => {
  it('prints a new link when the token expires, follows the DC migration, and says who logged in', async () => {
    const { stub, tg } = stubClient()
    let exports = 0
    stub
      .respondWith('auth.exportLoginToken', (): tl.auth.TypeLoginToken => {
        exports++
        // 1: expires at once (a fresh one follows); 2: scanned; 3: the account lives on DC 4.
        if (exports === 1) return token([1, 2, 3], 0)
        if (exports === 2) return token([4, 5, 6], 30)
        return { _: 'auth.loginTokenMigrateTo', dcId: 4, token: new Uint8Array([7, 8, 9]) }
      })
      .respondWith('auth.importLoginToken', (): tl.auth.TypeLoginToken => ({
        _: 'auth.loginTokenSuccess',
        authorization: { _: 'auth.authorization', user: SELF },
      }))
      .respondWith('users.getUsers', () => [SELF])
    const lines: string[] = []
    const user = await qrLogin(tg, {
      output: (t) => {
        lines.push(t)
        if (t.includes('token=BAUG')) scan(stub)
      },
      renderQr: fakeQr,
    })
    expect(user).toEqual({ id: SELF.id, name: 'Worker', username: 'kg_worker' })
    const printed = lines.join('')
    expect(printed).toContain('[QR tg://login?token=AQID]')
    expect(printed).toContain('[QR tg://login?token=BAUG]')
    expect(printed.indexOf('token=AQID')).toBeLessThan(printed.indexOf('token=BAUG'))
    expect(printed).toMatch(/Scanned/)
    expect(stub.dcChanges).toEqual([4])
    expect(stub.methods()).toEqual([
      'auth.exportLoginToken',
      'auth.exportLoginToken',
      'auth.exportLoginToken',
      'auth.importLoginToken',
      'users.getUsers',
    ])
    expect(stub.calls[3]).toMatchObject({ token: new Uint8Array([7, 8, 9]) })
    await tg.destroy()
  })

  it('sends the 2FA password after the scan', async () => {
    const { stub, tg } = twoFactorClient('hunter2')
    const user = await qrLogin(tg, {
      output: () => {
        scan(stub)
      },
      renderQr: fakeQr,
      password: 'hunter2',
    })
    expect(user.id).toBe(SELF.id)
    expect(stub.methods()).toEqual([
      'auth.exportLoginToken',
      'auth.exportLoginToken',
      'account.getPassword',
      'auth.checkPassword',
    ])
    await tg.destroy()
  })

  it('fails on a wrong TG_2FA_PASSWORD with a typed error, and exit 6 from worker:login', async () => {
    const first = twoFactorClient('hunter2')
    await expect(
      qrLogin(first.tg, {
        output: () => {
          scan(first.stub)
        },
        renderQr: fakeQr,
        password: 'wrong',
      }),
    ).rejects.toBeInstanceOf(WrongPasswordError)
    await first.tg.destroy()
    const second = twoFactorClient('hunter2')
    const stderr: string[] = []
    const code = await runWorkerLogin(
      second.tg,
      {
        out: () => undefined,
        err: (t) => {
          stderr.push(t)
          if (t.includes('tg://login')) scan(second.stub)
        },
      },
      { password: 'wrong', renderQr: fakeQr },
    )
    expect(code).toBe(6)
    expect(stderr.join('')).toMatch(/2FA password \(TG_2FA_PASSWORD\) is wrong/)
    await second.tg.destroy()
  })

  it('asks again after a wrong password from the prompt', async () => {
    const { stub, tg } = twoFactorClient('hunter2')
    const answers = ['wrong', 'hunter2']
    const lines: string[] = []
    const stdout: string[] = []
    const code = await runWorkerLogin(
      tg,
      {
        out: (t) => stdout.push(t),
        err: (t) => {
          lines.push(t)
          if (t.includes('tg://login')) scan(stub)
        },
      },
      { askPassword: () => Promise.resolve(answers.shift() ?? ''), renderQr: fakeQr },
    )
    expect(code).toBe(0)
    expect(lines.join('')).toMatch(/Wrong password; try again/)
    expect(stdout.join('')).toBe('Logged in as Worker (@kg_worker), id 100.\n')
    expect(stub.methods().filter((m) => m === 'auth.checkPassword')).toHaveLength(2)
    await tg.destroy()
  })
})
