import { tl } from '@mtcute/node'
import { secondsToMs } from '../time.js'

/**
 * Telegram has limited this account (`PEER_FLOOD`, `USER_RESTRICTED`) or the worker is inside
 * such a pause: no job runs until {@link pausedUntil}. The job runner reschedules the job for
 * then (see {@link workerRetryAfter}) without charging an attempt.
 */
export class WorkerPausedError extends Error {
  override readonly name = 'WorkerPausedError'

  constructor(
    /** The Telegram error that caused the pause, e.g. `PEER_FLOOD`. */
    readonly reason: string,
    /** When the worker may try again. */
    readonly pausedUntil: number,
    /** Seconds from now until then; what the job runner waits. */
    readonly retryAfterSeconds: number,
  ) {
    super(`worker paused until ${new Date(pausedUntil).toISOString()}: ${reason}`)
  }
}

/** `CHATS_PER_DAY` chats were created in the last 24 h; the job waits for a slot. */
export class DailyChatLimitError extends Error {
  override readonly name = 'DailyChatLimitError'

  constructor(
    /** The configured `CHATS_PER_DAY`. */
    readonly limit: number,
    /** Seconds until the oldest creation of the window is 24 h old. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      `${String(limit)} chats created in the last 24 h (CHATS_PER_DAY); next slot in ${String(retryAfterSeconds)} s`,
    )
  }
}

/** Why `auth.acceptLoginToken` refused a token. */
export type LoginTokenErrorCode = 'AUTH_TOKEN_INVALID' | 'AUTH_TOKEN_EXPIRED' | 'AUTH_TOKEN_ALREADY_ACCEPTED'

/** `auth.acceptLoginToken` refused the token; {@link code} says why. */
export class LoginTokenError extends Error {
  override readonly name = 'LoginTokenError'

  constructor(readonly code: LoginTokenErrorCode) {
    super(LOGIN_TOKEN_MESSAGES[code])
  }
}

const LOGIN_TOKEN_MESSAGES: Readonly<Record<LoginTokenErrorCode, string>> = {
  AUTH_TOKEN_INVALID: 'The login token is not valid: copy the whole tg://login?token=… link again.',
  AUTH_TOKEN_EXPIRED: 'The login token has expired (they last about 30 seconds): show a new QR code and try again.',
  AUTH_TOKEN_ALREADY_ACCEPTED: 'The login token was already accepted: that device is logged in.',
}

/**
 * Why a phone-code login (`worker:login --phone`) stopped. Most are Telegram's own error texts;
 * `SIGN_UP_REQUIRED` is `auth.authorizationSignUpRequired` (or `PHONE_NUMBER_UNOCCUPIED`),
 * `FLOOD_WAIT` covers `FLOOD_WAIT_X` and `PHONE_NUMBER_FLOOD`, `PAYMENT_REQUIRED` and
 * `EMAIL_SETUP_REQUIRED` are `auth.sendCode` answers a third-party app cannot get past.
 */
export type PhoneLoginErrorCode =
  | 'PHONE_NUMBER_INVALID'
  | 'PHONE_CODE_INVALID'
  | 'PHONE_CODE_EXPIRED'
  | 'PHONE_NUMBER_BANNED'
  | 'FLOOD_WAIT'
  | 'SIGN_UP_REQUIRED'
  | 'PAYMENT_REQUIRED'
  | 'EMAIL_SETUP_REQUIRED'

/** A phone-code login failed; {@link code} says why, the message what to do. */
export class PhoneLoginError extends Error {
  override readonly name = 'PhoneLoginError'

  constructor(
    readonly code: PhoneLoginErrorCode,
    /** For `FLOOD_WAIT`: seconds Telegram asks to wait, when it said (`PHONE_NUMBER_FLOOD` does not). */
    readonly waitSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(phoneLoginMessage(code, waitSeconds), options)
  }
}

function phoneLoginMessage(code: PhoneLoginErrorCode, waitSeconds: number | undefined): string {
  switch (code) {
    case 'PHONE_NUMBER_INVALID':
      return 'The phone number is not valid: give the number of a Telegram account in international format, with the country code (e.g. +44 20 7946 0958).'
    case 'PHONE_CODE_INVALID':
      return 'The login code was wrong each time it was asked: run the login again for a new code.'
    case 'PHONE_CODE_EXPIRED':
      return 'The login code has expired: run the login again for a new code, and enter it within a few minutes.'
    case 'PHONE_NUMBER_BANNED':
      return 'Telegram has banned this phone number: it cannot log in (see https://telegram.org/faq_spam); use another account.'
    case 'FLOOD_WAIT':
      return waitSeconds !== undefined
        ? `Telegram asks to wait ${String(waitSeconds)} s (${humanDuration(waitSeconds)}) before another login attempt: try again after ${new Date(Date.now() + secondsToMs(waitSeconds)).toISOString()}, or log in by QR code (worker:login without --phone).`
        : 'Too many login attempts for this phone number: wait (often a day) before trying again, or log in by QR code (worker:login without --phone).'
    case 'SIGN_UP_REQUIRED':
      return 'This phone number has no Telegram account. karmagate does not register accounts: sign up in an official Telegram app first, then log in here.'
    case 'PAYMENT_REQUIRED':
      return 'Telegram asks for a payment before it sends a code to this number: log in once in an official Telegram app, or log in by QR code (worker:login without --phone).'
    case 'EMAIL_SETUP_REQUIRED':
      return 'Telegram asks to set up a login email first: do that in an official Telegram app, or log in by QR code (worker:login without --phone).'
  }
}

/**
 * The {@link PhoneLoginError} for a Telegram error of `auth.sendCode`, `auth.signIn` or
 * `auth.checkPassword`, or undefined when it is not one of them (the caller rethrows it).
 */
export function phoneLoginErrorOf(error: unknown): PhoneLoginError | undefined {
  if (!tl.RpcError.is(error)) return undefined
  if (tl.RpcError.is(error, 'FLOOD_WAIT_%d')) return new PhoneLoginError('FLOOD_WAIT', error.seconds, { cause: error })
  if (error.is('PHONE_NUMBER_FLOOD') || error.is('PHONE_PASSWORD_FLOOD'))
    return new PhoneLoginError('FLOOD_WAIT', undefined, { cause: error })
  if (error.is('PHONE_NUMBER_UNOCCUPIED')) return new PhoneLoginError('SIGN_UP_REQUIRED', undefined, { cause: error })
  for (const code of [
    'PHONE_NUMBER_INVALID',
    'PHONE_CODE_INVALID',
    'PHONE_CODE_EXPIRED',
    'PHONE_NUMBER_BANNED',
  ] as const) {
    if (error.is(code)) return new PhoneLoginError(code, undefined, { cause: error })
  }
  return undefined
}

/** "about 2 h", "about 5 min", "under a minute". */
function humanDuration(seconds: number): string {
  if (seconds < 60) return 'under a minute'
  if (seconds < 3600) return `about ${String(Math.round(seconds / 60))} min`
  return `about ${String(Math.round(seconds / 3600))} h`
}

/** The Telegram errors after which the account must stop for a while. */
const PAUSING_ERRORS = ['PEER_FLOOD', 'USER_RESTRICTED'] as const

/** The Telegram error text (`PEER_FLOOD`, `USER_RESTRICTED`) if `error` should pause the worker. */
export function pausingErrorOf(error: unknown): string | undefined {
  for (const text of PAUSING_ERRORS) if (tl.RpcError.is(error, text)) return text
  return undefined
}

/**
 * The job runner's `retryAfterOf` for the worker: `FLOOD_WAIT_X` waits X seconds, and a pause or
 * the daily limit waits until it is over. Anything else is an ordinary failure (backoff).
 */
/** Telegram's `FLOOD_WAIT_X`: the seconds the account must wait, or undefined for another error. */
export function floodWaitOf(error: unknown): number | undefined {
  return tl.RpcError.is(error, 'FLOOD_WAIT_%d') ? error.seconds : undefined
}

export function workerRetryAfter(error: unknown): number | undefined {
  if (tl.RpcError.is(error, 'FLOOD_WAIT_%d')) return error.seconds
  if (error instanceof WorkerPausedError || error instanceof DailyChatLimitError) return error.retryAfterSeconds
  return undefined
}
