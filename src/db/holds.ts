/** Which Telegram identity a hold stops: the bot (Bot API) or the worker's account (MTProto). */
export type TelegramAccount = 'bot' | 'worker'

/** Telegram asked an account to wait, or its API keeps failing: no call until {@link until}. */
export interface TelegramHold {
  readonly account: TelegramAccount
  readonly until: number
  /** Why, for the admin dashboard: `retry_after 5`, `FLOOD_WAIT_30`, `502 Bad Gateway ×3` … */
  readonly reason: string
  readonly updatedAt: number
}

/** The holds, shared by every process so that all of them wait together. */
export interface HoldRepository {
  /** The account's hold, if one was ever set (it may be over: compare `until` with now). */
  get(account: TelegramAccount): Promise<TelegramHold | undefined>

  /**
   * Holds the account until `until`, unless it is already held longer; resolves to the hold in
   * force afterwards.
   */
  extend(account: TelegramAccount, until: number, reason: string, now: number): Promise<TelegramHold>

  /** The holds still in force at `now`, for the admin dashboard. */
  active(now: number): Promise<TelegramHold[]>
}
