import { tl } from '@mtcute/node'

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
    /** Unix seconds when the worker may try again. */
    readonly pausedUntil: number,
    /** Seconds from now until then; what the job runner waits. */
    readonly retryAfterSeconds: number,
  ) {
    super(`worker paused until ${new Date(pausedUntil * 1000).toISOString()}: ${reason}`)
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
    super(`${String(limit)} chats created in the last 24 h (CHATS_PER_DAY); next slot in ${String(retryAfterSeconds)} s`)
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
export function workerRetryAfter(error: unknown): number | undefined {
  if (tl.RpcError.is(error, 'FLOOD_WAIT_%d')) return error.seconds
  if (error instanceof WorkerPausedError || error instanceof DailyChatLimitError) return error.retryAfterSeconds
  return undefined
}
