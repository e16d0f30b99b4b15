import { type tl, type TelegramClient, User } from '@mtcute/node'
import { PhoneLoginError, phoneLoginErrorOf } from '../errors.js'
import { type LoggedInUser, loggedInUser } from '../qr-login.js'

/** What {@link sendLoginCode} got: a code on its way, or (rarely) a login without one. */
export type SentLoginCode =
  | {
      readonly kind: 'sent'
      /** Goes with the code to `auth.signIn`. */
      readonly phoneCodeHash: string
      /** Where to look for the code, for a person: "in Telegram, in a chat from Telegram on your other devices". */
      readonly via: string
      /** Digits in the code; 0 when Telegram does not say. */
      readonly length: number
    }
  | { readonly kind: 'loggedIn'; readonly user: LoggedInUser }

/** Where each kind of code arrives, said for the person typing it. */
function via(type: tl.auth.TypeSentCodeType): string {
  switch (type._) {
    case 'auth.sentCodeTypeApp':
      return 'in Telegram: a message from "Telegram" on your other logged-in devices'
    case 'auth.sentCodeTypeSms':
    case 'auth.sentCodeTypeSmsWord':
    case 'auth.sentCodeTypeSmsPhrase':
    case 'auth.sentCodeTypeFirebaseSms':
      return 'by SMS'
    case 'auth.sentCodeTypeCall':
      return 'by a phone call'
    case 'auth.sentCodeTypeFlashCall':
    case 'auth.sentCodeTypeMissedCall':
      return 'by a missed call: the code is the last digits of the number that called'
    case 'auth.sentCodeTypeEmailCode':
      return 'by email, to the login email of the account'
    case 'auth.sentCodeTypeFragmentSms':
      return 'on fragment.com (the number is an anonymous Fragment number)'
    case 'auth.sentCodeTypeSetUpEmailRequired':
      throw new PhoneLoginError('EMAIL_SETUP_REQUIRED')
  }
}

/**
 * Asks Telegram to send a login code to `phone` (`auth.sendCode` with this app's `api_id` and
 * `api_hash`). Telegram's refusals become a {@link PhoneLoginError} (`PHONE_NUMBER_INVALID`,
 * `PHONE_NUMBER_BANNED`, `FLOOD_WAIT` …); `SESSION_PASSWORD_NEEDED` (a session left half logged
 * in, waiting for its 2FA password) is thrown as it is, for the caller to continue with the password.
 */
export async function sendLoginCode(tg: TelegramClient, params: { readonly phone: string }): Promise<SentLoginCode> {
  const { id, hash } = await tg.getApiCredentials()
  let res: tl.auth.TypeSentCode
  try {
    res = await tg.call({
      _: 'auth.sendCode',
      phoneNumber: params.phone.replace(/^\+/, ''),
      apiId: id,
      apiHash: hash,
      settings: { _: 'codeSettings' },
    })
  } catch (err) {
    throw phoneLoginErrorOf(err) ?? err
  }
  switch (res._) {
    case 'auth.sentCodeSuccess':
      // Only with saved logout tokens (we send none), but Telegram may answer so: that is a login.
      return { kind: 'loggedIn', user: loggedInUser(new User(await tg.notifyLoggedIn(res.authorization))) }
    case 'auth.sentCodePaymentRequired':
      throw new PhoneLoginError('PAYMENT_REQUIRED')
    case 'auth.sentCode':
      return {
        kind: 'sent',
        phoneCodeHash: res.phoneCodeHash,
        via: via(res.type),
        length: 'length' in res.type ? res.type.length : 0,
      }
  }
}
