/**
 * A refusal of the emulated Bot API, shaped as Telegram sends it:
 * `{"ok": false, "error_code": …, "description": …, "parameters"?: …}` with the same HTTP status.
 * grammY turns it into a `GrammyError` with these fields, exactly as against Telegram.
 */
export class BotApiError extends Error {
  override readonly name = 'BotApiError'
  /** Telegram's `error_code`, also the HTTP status: 400, 401, 403, 404, 409 or 429. */
  readonly errorCode: number
  /** Telegram's `description`, e.g. `Bad Request: chat not found`. */
  readonly description: string
  /** Telegram's `parameters`, e.g. `{ retry_after: 3 }` on a 429. */
  readonly parameters: { readonly retry_after?: number; readonly migrate_to_chat_id?: number } | undefined

  constructor(errorCode: number, description: string, parameters?: BotApiError['parameters']) {
    super(description)
    this.errorCode = errorCode
    this.description = description
    this.parameters = parameters
  }

  /** The JSON body Telegram sends for this error. */
  toJSON(): { ok: false; error_code: number; description: string; parameters?: BotApiError['parameters'] } {
    return this.parameters === undefined
      ? { ok: false, error_code: this.errorCode, description: this.description }
      : { ok: false, error_code: this.errorCode, description: this.description, parameters: this.parameters }
  }
}

/** A 400 with Telegram's `Bad Request: ` prefix added to `reason`. */
export function badRequest(reason: string): BotApiError {
  return new BotApiError(400, `Bad Request: ${reason}`)
}

/** A 403 with Telegram's `Forbidden: ` prefix added to `reason`. */
export function forbidden(reason: string): BotApiError {
  return new BotApiError(403, `Forbidden: ${reason}`)
}

/** A 429 telling the bot to wait `retryAfter` whole seconds. */
export function tooManyRequests(retryAfter: number): BotApiError {
  return new BotApiError(429, `Too Many Requests: retry after ${String(retryAfter)}`, { retry_after: retryAfter })
}

/** What went wrong when someone played a Telegram user in the emulator (not a Bot API error). */
export type SandboxErrorCode =
  | 'invalid_input'
  | 'user_not_found'
  | 'username_taken'
  | 'chat_not_found'
  | 'message_not_found'
  | 'button_not_found'
  | 'bot_blocked'
  | 'bot_invalid'
  | 'bot_domain_invalid'
  | 'login_prompt_not_found'
  | 'invite_link_invalid'
  | 'invite_link_expired'
  | 'user_banned'
  | 'already_member'
  | 'not_a_member'
  | 'closed'

const STATUS: Readonly<Record<SandboxErrorCode, number>> = {
  invalid_input: 400,
  user_not_found: 404,
  username_taken: 409,
  chat_not_found: 404,
  message_not_found: 404,
  button_not_found: 404,
  bot_blocked: 409,
  bot_invalid: 422,
  bot_domain_invalid: 422,
  login_prompt_not_found: 404,
  invite_link_invalid: 422,
  invite_link_expired: 422,
  user_banned: 403,
  already_member: 409,
  not_a_member: 409,
  closed: 503,
}

/**
 * An emulated user's action that Telegram's app would not allow (an unknown button, a banned
 * user following an invite link, "Bot domain invalid" …). The page's control API answers it as
 * `{"error": {"code", "message"}}` with {@link status}.
 */
export class SandboxError extends Error {
  override readonly name = 'SandboxError'
  /** A stable machine-readable code. */
  readonly code: SandboxErrorCode
  /** The HTTP status the control API answers with. */
  readonly status: number

  constructor(code: SandboxErrorCode, message: string) {
    super(message)
    this.code = code
    this.status = STATUS[code]
  }
}

/** A `waitFor…` helper gave up before the awaited thing happened. */
export class EmulatorTimeoutError extends Error {
  override readonly name = 'EmulatorTimeoutError'
  /** How long it waited, in milliseconds. */
  readonly timeoutMs: number

  constructor(message: string, timeoutMs: number) {
    super(message)
    this.timeoutMs = timeoutMs
  }
}
