import { type TelegramClient, User } from '@mtcute/node'
import { PhoneLoginError, phoneLoginErrorOf } from '../errors.js'
import { type LoggedInUser, loggedInUser } from '../qr-login.js'

/**
 * Logs in with the code Telegram sent (`auth.signIn`). A number without an account
 * (`auth.authorizationSignUpRequired`) is refused as `SIGN_UP_REQUIRED`: karmagate does not
 * register accounts. Telegram's refusals become a {@link PhoneLoginError} (`PHONE_CODE_INVALID`,
 * `PHONE_CODE_EXPIRED` …); `SESSION_PASSWORD_NEEDED` is thrown as it is: the account has a 2FA
 * password, which the caller sends next.
 */
export async function signInWithCode(
  tg: TelegramClient,
  params: { readonly phone: string; readonly phoneCodeHash: string; readonly code: string },
): Promise<LoggedInUser> {
  let res
  try {
    res = await tg.call({
      _: 'auth.signIn',
      phoneNumber: params.phone.replace(/^\+/, ''),
      phoneCodeHash: params.phoneCodeHash,
      phoneCode: params.code,
    })
  } catch (err) {
    throw phoneLoginErrorOf(err) ?? err
  }
  // Checked here: mtcute's own signIn throws a generic error for it.
  if (res._ === 'auth.authorizationSignUpRequired') throw new PhoneLoginError('SIGN_UP_REQUIRED')
  return loggedInUser(new User(await tg.notifyLoggedIn(res)))
}
