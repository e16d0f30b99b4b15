/** Where the login chain broke, as the canary saw it. */
export type CanaryFailureReason =
  /** The bot did not answer `/login` within the polls. */
  | 'bot-silent'
  /** The bot answered without a login button (`keyboardButtonUrlAuth`). */
  | 'no-button'
  /** Telegram would not sign (`urlAuthResultDefault`): the domain is not linked with `/setdomain`. */
  | 'domain-not-linked'
  /** Telegram accepted but gave no URL to open. */
  | 'no-url'
  /** The site answered the signed URL with something other than a 302. */
  | 'http-status'
  /** The site redirected but set no session cookie. */
  | 'no-cookie'
  /** The site could not be reached (network error, timeout). */
  | 'site-unreachable'

/** One login canary run failed; {@link reason} says where, the message says it for a person. */
export class CanaryError extends Error {
  override readonly name = 'CanaryError'

  constructor(
    readonly reason: CanaryFailureReason,
    message: string,
    /** The site's HTTP status, for `http-status` and `no-cookie`. */
    readonly status?: number,
  ) {
    super(message)
  }
}
