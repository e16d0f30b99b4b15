import type { Logger } from 'pino'
import type { HoldRepository, TelegramAccount } from '../db/holds.js'
import { MINUTE, SECOND } from '../time.js'

/** Options of {@link AccountHold}. */
export interface AccountHoldOptions {
  readonly logger: Logger
  /** How often this process reads the shared hold, to learn of one another process set. @default 1000 */
  readonly refreshMs?: number
  /** @default Date.now */
  readonly clock?: () => number
}

/**
 * Telegram's "wait" for a whole account (the bot, or the worker's account), as this process sees
 * it: set here at once when a call is told to wait, shared with every process through the store,
 * and read back from it at most every `refreshMs`, so that all processes wait together.
 */
export class AccountHold {
  private local = 0
  private reason = ''
  private lastRefresh = Number.NEGATIVE_INFINITY
  private refreshing: Promise<void> | undefined
  private readonly refreshMs: number
  private readonly clock: () => number

  constructor(
    private readonly holds: HoldRepository,
    readonly account: TelegramAccount,
    private readonly options: AccountHoldOptions,
  ) {
    this.refreshMs = options.refreshMs ?? SECOND
    this.clock = options.clock ?? Date.now
  }

  /** Until when calls must wait, or undefined when they may go now. Never waits itself. */
  until(): number | undefined {
    const now = this.clock()
    if (now - this.lastRefresh >= this.refreshMs) void this.refresh()
    return this.local > now ? this.local : undefined
  }

  /** Why the account is held, while it is. */
  why(): string | undefined {
    return this.until() === undefined ? undefined : this.reason
  }

  /** Holds the account until `until` (unless already held longer), here at once and for every process. */
  async hold(until: number, reason: string): Promise<void> {
    if (until > this.local) {
      this.local = until
      this.reason = reason
      this.options.logger.warn(
        { account: this.account, until: new Date(until).toISOString(), reason },
        'Telegram calls held',
      )
    }
    const stored = await this.holds.extend(this.account, until, reason, this.clock())
    this.adopt(stored.until, stored.reason)
  }

  /** Reads the shared hold now (another process may have set one). */
  refresh(): Promise<void> {
    this.lastRefresh = this.clock()
    this.refreshing ??= this.holds
      .get(this.account)
      .then(
        (stored) => {
          if (stored) this.adopt(stored.until, stored.reason)
        },
        (err: unknown) => {
          this.options.logger.error({ err, account: this.account }, 'could not read the Telegram hold')
        },
      )
      .finally(() => {
        this.refreshing = undefined
      })
    return this.refreshing
  }

  private adopt(until: number, reason: string): void {
    if (until > this.local) {
      this.local = until
      this.reason = reason
    }
  }
}

/** Options of {@link FailureStreak}. */
export interface FailureStreakOptions {
  /** Failures in a row that open the circuit. @default 3 */
  readonly threshold?: number
  /** The first hold when it opens; each reopening without a success in between doubles it. @default 2000 */
  readonly firstHoldMs?: number
  /** @default 60000 */
  readonly maxHoldMs?: number
}

/**
 * A circuit breaker over an API's failures (5xx, lost connections): after `threshold` in a row it
 * opens, which the caller turns into a hold; when the hold is over the next call is a probe, whose
 * failure opens it again for twice as long, and any success closes it.
 */
export class FailureStreak {
  private failures = 0
  private holdMs: number
  private readonly threshold: number
  private readonly firstHoldMs: number
  private readonly maxHoldMs: number

  constructor(options: FailureStreakOptions = {}) {
    this.threshold = options.threshold ?? 3
    this.firstHoldMs = options.firstHoldMs ?? 2 * SECOND
    this.maxHoldMs = options.maxHoldMs ?? MINUTE
    this.holdMs = this.firstHoldMs
  }

  /** A call succeeded: the circuit closes. */
  success(): void {
    this.failures = 0
    this.holdMs = this.firstHoldMs
  }

  /** A call failed; resolves to how long to hold every call when this failure opens the circuit. */
  failure(): number | undefined {
    this.failures += 1
    if (this.failures < this.threshold) return undefined
    const hold = this.holdMs
    this.holdMs = Math.min(this.maxHoldMs, this.holdMs * 2)
    // Half-open: the next failure (the probe after the hold) reopens it at once.
    this.failures = this.threshold - 1
    return hold
  }
}
