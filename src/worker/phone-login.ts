import { tl, type TelegramClient } from '@mtcute/node'
import { PhoneLoginError } from './errors.js'
import { sendLoginCode } from './ops/send-login-code.js'
import { signInWithCode } from './ops/sign-in-with-code.js'
import { normalizePhoneNumber } from './phone-number.js'
import type { LoggedInUser } from './qr-login.js'
import { signInWithPassword } from './two-factor.js'

/** Options of {@link phoneLogin}. */
export interface PhoneLoginOptions {
  /** Where the notes go (where the code was sent, "wrong code; try again"): a terminal, a test's array. */
  readonly output: (text: string) => void
  /** The phone number, from `--phone`; already checked by {@link normalizePhoneNumber}. When absent, {@link askPhone} is. */
  readonly phone?: string
  /** Asks for the phone number; asked again (up to {@link attempts} times) when it is not one. */
  readonly askPhone?: () => Promise<string>
  /** Asks for the login code Telegram sent; asked again after a wrong one. */
  readonly askCode: () => Promise<string>
  /** `TG_2FA_PASSWORD`; see {@link signInWithPassword}. */
  readonly password?: string
  /** The hidden 2FA prompt, used when {@link password} is absent. */
  readonly askPassword?: () => Promise<string>
  /** How many times a malformed number or a wrong code is asked for before giving up. @default 3 */
  readonly attempts?: number
}

async function askPhoneNumber(options: PhoneLoginOptions, attempts: number): Promise<string> {
  if (options.phone !== undefined) return options.phone
  if (!options.askPhone) throw new Error('phoneLogin needs a phone number or a way to ask for it')
  for (let i = 1; ; i++) {
    const phone = normalizePhoneNumber(await options.askPhone())
    if (phone !== undefined) return phone
    if (i >= attempts) throw new PhoneLoginError('PHONE_NUMBER_INVALID')
    options.output(
      'That is not a phone number in international format (+, the country code, then the number); try again.\n',
    )
  }
}

/**
 * Logs the account in with a code Telegram sends to its phone number, the fallback when no
 * device can scan a QR code: `auth.sendCode`, then `auth.signIn` with the code typed in (asked
 * again after a wrong one), then, if the account has two-step verification
 * (`SESSION_PASSWORD_NEEDED`), the 2FA password exactly as the QR login takes it. Every refusal is
 * a {@link PhoneLoginError} whose `code` says why (a wrong `TG_2FA_PASSWORD` is a
 * `WrongPasswordError`). Resolves to who is now logged in.
 */
export async function phoneLogin(tg: TelegramClient, options: PhoneLoginOptions): Promise<LoggedInUser> {
  const attempts = options.attempts ?? 3
  const twoFactor = () =>
    signInWithPassword(tg, {
      output: options.output,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.askPassword ? { askPassword: options.askPassword } : {}),
    })
  const phone = await askPhoneNumber(options, attempts)
  let sent
  try {
    sent = await sendLoginCode(tg, { phone })
  } catch (err) {
    // A session an earlier run left waiting for its password: go on with the password.
    if (tl.RpcError.is(err, 'SESSION_PASSWORD_NEEDED')) return twoFactor()
    throw err
  }
  if (sent.kind === 'loggedIn') return sent.user
  options.output(`A login code was sent ${sent.via}${sent.length > 0 ? ` (${String(sent.length)} digits)` : ''}.\n`)
  for (let i = 1; ; i++) {
    // People paste codes as "12 345" or "12-345".
    const code = (await options.askCode()).replace(/[\s-]/g, '')
    try {
      if (code === '') throw new PhoneLoginError('PHONE_CODE_INVALID')
      return await signInWithCode(tg, { phone, phoneCodeHash: sent.phoneCodeHash, code })
    } catch (err) {
      if (tl.RpcError.is(err, 'SESSION_PASSWORD_NEEDED')) {
        options.output('The account has two-step verification; the password is needed.\n')
        return twoFactor()
      }
      if (!(err instanceof PhoneLoginError && err.code === 'PHONE_CODE_INVALID') || i >= attempts) throw err
      options.output(
        `That code is wrong; try again (${String(attempts - i)} ${attempts - i === 1 ? 'try' : 'tries'} left).\n`,
      )
    }
  }
}
