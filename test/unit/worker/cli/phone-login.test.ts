import { Long, type tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { runWorkerPhoneLogin, type WorkerPhoneLoginOptions } from '../../../../src/worker/cli/phone-login.js'
import { NoTerminalError } from '../../../../src/worker/cli/prompt.js'
import type { LoggedInUser } from '../../../../src/worker/qr-login.js'
import { PHONE_CODE_HASH, phoneCodeClient, rpcError, SELF } from '../../../support/mtcute-stub.js'

/** A terminal that answers the prompts from a script, and records what was printed. */
function terminal(answers: Record<string, string[]>) {
  const out: string[] = []
  const err: string[] = []
  const asked: string[] = []
  const loggedIn: LoggedInUser[] = []
  const options = {
    askLine: (question: string) => {
      asked.push(question)
      const key = question.startsWith('Phone') ? 'phone' : 'code'
      const next = answers[key]?.shift()
      return next === undefined ? Promise.reject(new Error(`unexpected prompt: ${question}`)) : Promise.resolve(next)
    },
    askPassword: () => {
      asked.push('2FA password')
      const next = answers.password?.shift()
      return next === undefined ? Promise.reject(new Error('unexpected password prompt')) : Promise.resolve(next)
    },
    onLoggedIn: (user: LoggedInUser) => {
      loggedIn.push(user)
      return Promise.resolve()
    },
  } satisfies WorkerPhoneLoginOptions
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) },
    options,
    out,
    err,
    asked,
    loggedIn,
    stderr: () => err.join(''),
  }
}

describe('phone-code login', () => {
  it('asks the number, sends the code, signs in with it and says who is logged in', async () => {
    const { stub, tg } = phoneCodeClient()
    const t = terminal({ phone: ['+44 20 7946 0958'], code: ['12 345'] })
    expect(await runWorkerPhoneLogin(tg, t.io, t.options)).toBe(0)
    expect(stub.methods()).toEqual(['auth.sendCode', 'auth.signIn'])
    // The app's own api_id and api_hash go with sendCode; the digits alone with both calls.
    expect(stub.calls[0]).toMatchObject({ phoneNumber: '442079460958', apiId: 1, apiHash: 'stub' })
    expect(stub.calls[1]).toMatchObject({
      phoneNumber: '442079460958',
      phoneCodeHash: PHONE_CODE_HASH,
      phoneCode: '12345',
    })
    expect(t.stderr()).toContain(
      'A login code was sent in Telegram: a message from "Telegram" on your other logged-in devices (5 digits).',
    )
    expect(t.out.join('')).toBe('Logged in as Worker (@kg_worker), id 100.\n')
    expect(t.loggedIn).toEqual([{ id: SELF.id, name: 'Worker', username: 'kg_worker' }])
    await tg.destroy()
  })

  it('takes the number from --phone without asking, and says where an SMS code went', async () => {
    const { tg } = phoneCodeClient({ type: { _: 'auth.sentCodeTypeSms', length: 6 }, code: '123456' })
    const t = terminal({ code: ['123456'] })
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958' })).toBe(0)
    expect(t.asked).toEqual(['Login code: '])
    expect(t.stderr()).toContain('A login code was sent by SMS (6 digits).')
    await tg.destroy()
  })

  it('asks again for a number that is not one, and gives up after 3 without calling Telegram', async () => {
    const { stub, tg } = phoneCodeClient()
    const t = terminal({ phone: ['12', 'call me', 'tel:0'] })
    expect(await runWorkerPhoneLogin(tg, t.io, t.options)).toBe(8)
    expect(t.stderr().match(/not a phone number in international format/g)).toHaveLength(2)
    expect(t.stderr()).toContain('Login failed (PHONE_NUMBER_INVALID)')
    expect(stub.calls).toEqual([])
    await tg.destroy()
  })

  it('asks again after a wrong code', async () => {
    const { stub, tg } = phoneCodeClient()
    const t = terminal({ code: ['11111', '', '12345'] })
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958' })).toBe(0)
    expect(t.stderr()).toContain('That code is wrong; try again (2 tries left).')
    expect(t.stderr()).toContain('That code is wrong; try again (1 try left).')
    // The empty answer is refused without asking Telegram.
    expect(stub.methods()).toEqual(['auth.sendCode', 'auth.signIn', 'auth.signIn'])
    await tg.destroy()
  })

  it('a code wrong three times exits 9, having recorded nothing', async () => {
    const { tg } = phoneCodeClient()
    const t = terminal({ code: ['1', '2', '3'] })
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958' })).toBe(9)
    expect(t.stderr()).toMatch(/Login failed \(PHONE_CODE_INVALID\): The login code was wrong each time/)
    expect(t.loggedIn).toEqual([])
    expect(t.out).toEqual([])
    await tg.destroy()
  })

  it('sends the 2FA password from TG_2FA_PASSWORD after SESSION_PASSWORD_NEEDED', async () => {
    const { stub, tg } = phoneCodeClient({ password: 'hunter2' })
    const t = terminal({ code: ['12345'] })
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958', password: 'hunter2' })).toBe(0)
    expect(stub.methods()).toEqual(['auth.sendCode', 'auth.signIn', 'account.getPassword', 'auth.checkPassword'])
    expect(t.asked).toEqual(['Login code: '])
    expect(t.out.join('')).toContain('Logged in as Worker')
    await tg.destroy()
  })

  it('a wrong TG_2FA_PASSWORD exits 6 with the QR login message, without asking', async () => {
    const { stub, tg } = phoneCodeClient({ password: 'hunter2' })
    const t = terminal({ code: ['12345'] })
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958', password: 'wrong' })).toBe(6)
    expect(t.stderr()).toContain('Login failed: the 2FA password (TG_2FA_PASSWORD) is wrong')
    expect(stub.methods().filter((m) => m === 'auth.checkPassword')).toHaveLength(1)
    expect(t.loggedIn).toEqual([])
    await tg.destroy()
  })

  it('asks the hidden prompt again after a wrong password', async () => {
    const { stub, tg } = phoneCodeClient({ password: 'hunter2' })
    const t = terminal({ code: ['12345'], password: ['wrong', 'hunter2'] })
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958' })).toBe(0)
    expect(t.stderr()).toContain('Wrong password; try again.')
    expect(stub.methods().filter((m) => m === 'auth.checkPassword')).toHaveLength(2)
    await tg.destroy()
  })

  it('without a password or a prompt, a 2FA account exits 6 saying to set TG_2FA_PASSWORD', async () => {
    const { tg } = phoneCodeClient({ password: 'hunter2' })
    const t = terminal({ code: ['12345'] })
    const { askPassword: _none, ...noPrompt } = t.options
    expect(await runWorkerPhoneLogin(tg, t.io, { ...noPrompt, phone: '+442079460958' })).toBe(6)
    expect(t.stderr()).toContain('set TG_2FA_PASSWORD or run in a terminal')
    await tg.destroy()
  })

  it('a session an earlier run left at the password step goes straight to the password', async () => {
    const { stub, tg } = phoneCodeClient({ password: 'hunter2' })
    stub.respondWith('auth.sendCode', () => {
      throw rpcError(401, 'SESSION_PASSWORD_NEEDED')
    })
    const t = terminal({})
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958', password: 'hunter2' })).toBe(0)
    expect(stub.methods()).toEqual(['auth.sendCode', 'account.getPassword', 'auth.checkPassword'])
    await tg.destroy()
  })

  const signUp = (): tl.auth.TypeAuthorization => ({ _: 'auth.authorizationSignUpRequired' })
  const refusing =
    (text: string, code = 400) =>
    () => {
      throw rpcError(code, text)
    }
  it.each([
    [
      'auth.sendCode PHONE_NUMBER_INVALID',
      8,
      'auth.sendCode',
      refusing('PHONE_NUMBER_INVALID'),
      /PHONE_NUMBER_INVALID\): The phone number is not valid/,
    ],
    [
      'auth.sendCode PHONE_NUMBER_BANNED',
      11,
      'auth.sendCode',
      refusing('PHONE_NUMBER_BANNED'),
      /PHONE_NUMBER_BANNED\): Telegram has banned this phone number/,
    ],
    [
      'auth.sendCode FLOOD_WAIT_3600',
      12,
      'auth.sendCode',
      refusing('FLOOD_WAIT_3600', 420),
      /FLOOD_WAIT\): Telegram asks to wait 3600 s \(about 1 h\) before another login attempt: try again after 20\d\d-/,
    ],
    [
      'auth.sendCode PHONE_NUMBER_FLOOD',
      12,
      'auth.sendCode',
      refusing('PHONE_NUMBER_FLOOD'),
      /FLOOD_WAIT\): Too many login attempts for this phone number/,
    ],
    [
      'auth.signIn PHONE_CODE_EXPIRED',
      10,
      'auth.signIn',
      refusing('PHONE_CODE_EXPIRED'),
      /PHONE_CODE_EXPIRED\): The login code has expired: run the login again/,
    ],
    ['auth.signIn FLOOD_WAIT_90', 12, 'auth.signIn', refusing('FLOOD_WAIT_90', 420), /about 2 min/],
    [
      'auth.signIn auth.authorizationSignUpRequired',
      13,
      'auth.signIn',
      signUp,
      /SIGN_UP_REQUIRED\): This phone number has no Telegram account\. karmagate does not register accounts/,
    ],
    [
      'auth.signIn PHONE_NUMBER_UNOCCUPIED',
      13,
      'auth.signIn',
      refusing('PHONE_NUMBER_UNOCCUPIED'),
      /karmagate does not register accounts/,
    ],
  ] as const)('%s → exit %i with a clear message', async (_label, exit, method, answer, message) => {
    const { stub, tg } = phoneCodeClient()
    stub.respondWith(method, answer)
    const t = terminal({ code: ['12345'] })
    expect(await runWorkerPhoneLogin(tg, t.io, { ...t.options, phone: '+442079460958' })).toBe(exit)
    expect(t.stderr()).toMatch(message)
    expect(t.loggedIn).toEqual([])
    expect(t.out).toEqual([])
    await tg.destroy()
  })

  it('a number that must first set up a login email, or pay, fails with exit 1 and says how else to log in', async () => {
    const email = phoneCodeClient({ type: { _: 'auth.sentCodeTypeSetUpEmailRequired' } })
    const t = terminal({})
    expect(await runWorkerPhoneLogin(email.tg, t.io, { ...t.options, phone: '+442079460958' })).toBe(1)
    expect(t.stderr()).toMatch(/EMAIL_SETUP_REQUIRED\).*log in by QR code/)
    await email.tg.destroy()
    const pay = phoneCodeClient()
    pay.stub.respondWith('auth.sendCode', (): tl.auth.TypeSentCode => ({
      _: 'auth.sentCodePaymentRequired',
      storeProduct: 'x',
      phoneCodeHash: 'h',
      supportEmailAddress: 'a@b',
      supportEmailSubject: 's',
      premiumDays: 30,
      currency: 'EUR',
      amount: Long.fromNumber(100),
    }))
    const u = terminal({})
    expect(await runWorkerPhoneLogin(pay.tg, u.io, { ...u.options, phone: '+442079460958' })).toBe(1)
    expect(u.stderr()).toMatch(/PAYMENT_REQUIRED\)/)
    await pay.tg.destroy()
  })

  it('without a terminal to type the code on, exits 2 and says so', async () => {
    const { tg } = phoneCodeClient()
    const t = terminal({})
    const code = await runWorkerPhoneLogin(tg, t.io, {
      ...t.options,
      phone: '+442079460958',
      askLine: () =>
        Promise.reject(new NoTerminalError('no terminal to ask on: run worker:login --phone in a terminal')),
    })
    expect(code).toBe(2)
    expect(t.stderr()).toContain('no terminal to ask on')
    await tg.destroy()
  })
})
