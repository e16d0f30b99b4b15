import { tl, type TelegramClient } from '@mtcute/node'
import { phoneLoginErrorOf } from './errors.js'
import { type LoggedInUser, loggedInUser, PasswordNeededError, WrongPasswordError } from './qr-login.js'

/** Options of {@link signInWithPassword}: the same sources of the password as the QR login's. */
export interface TwoFactorOptions {
  /** Where "Wrong password; try again." goes. */
  readonly output: (text: string) => void
  /** `TG_2FA_PASSWORD`. A wrong one fails with {@link WrongPasswordError} (no retry: it would be the same). */
  readonly password?: string
  /** The hidden prompt, used when {@link password} is absent; asked again after a wrong password. */
  readonly askPassword?: () => Promise<string>
}

/**
 * The second step of a login when Telegram answered `SESSION_PASSWORD_NEEDED`: sends the 2FA
 * password (`auth.checkPassword`, SRP computed by mtcute) as the QR login does, with the same
 * errors: {@link WrongPasswordError} for a wrong `TG_2FA_PASSWORD`, {@link PasswordNeededError}
 * when there is no password and no prompt. Too many attempts (`PHONE_PASSWORD_FLOOD`,
 * `FLOOD_WAIT_X`) are a `PhoneLoginError` with code `FLOOD_WAIT`.
 */
export async function signInWithPassword(tg: TelegramClient, options: TwoFactorOptions): Promise<LoggedInUser> {
  const given = options.password
  const next = given !== undefined ? () => Promise.resolve(given) : options.askPassword
  if (!next) throw new PasswordNeededError('the account has a 2FA password: set TG_2FA_PASSWORD or run in a terminal')
  for (;;) {
    const password = await next()
    try {
      return loggedInUser(await tg.checkPassword(password))
    } catch (err) {
      if (tl.RpcError.is(err, 'PASSWORD_HASH_INVALID')) {
        if (given !== undefined)
          throw new WrongPasswordError('the 2FA password (TG_2FA_PASSWORD) is wrong', { cause: err })
        options.output('Wrong password; try again.\n')
        continue
      }
      throw phoneLoginErrorOf(err) ?? err
    }
  }
}
