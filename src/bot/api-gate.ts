import type { Transformer } from 'grammy'
import type { Logger } from 'pino'
import type { HoldRepository } from '../db/holds.js'
import { AccountHold, FailureStreak } from '../jobs/hold.js'
import { msToWholeSeconds, secondsToMs } from '../time.js'

/** A Bot API call refused here, unsent: Telegram asked the whole bot to wait, or its API keeps failing. */
export class BotApiHeldError extends Error {
  override readonly name = 'BotApiHeldError'
  constructor(
    readonly method: string,
    /** When calls may go again. */
    readonly until: number,
    /** Seconds from now until then, rounded up. */
    readonly retryAfterSeconds: number,
    reason: string,
  ) {
    super(`${method} not sent: the bot is held for ${String(retryAfterSeconds)} s (${reason})`)
  }
}

/** A Bot API call that got no answer within its deadline (it may or may not have had an effect). */
export class BotApiTimeoutError extends Error {
  override readonly name = 'BotApiTimeoutError'
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${method}: no answer from the Bot API within ${String(timeoutMs)} ms`)
  }
}

/** The bot's shared view of Telegram's limits: its hold and its failure streak, one per process. */
export interface BotApiLimits {
  readonly hold: AccountHold
  readonly streak: FailureStreak
}

/** Builds the bot's {@link BotApiLimits} over the store's shared holds. */
export function botApiLimits(holds: HoldRepository, logger: Logger, clock: () => number = Date.now): BotApiLimits {
  return { hold: new AccountHold(holds, 'bot', { logger, clock }), streak: new FailureStreak() }
}

/** Options of {@link botApiGate}. */
export interface BotApiGateOptions {
  /** The bot's hold, shared by every client of this process (and, through the store, every process). */
  readonly hold: AccountHold
  /** The bot's failure streak, shared as the hold is. */
  readonly streak: FailureStreak
  /** A call's deadline; a long poll gets its own `timeout` on top. */
  readonly timeoutMs: number
  /**
   * How long a call may wait for a hold to end before it is refused with {@link BotApiHeldError}:
   * the bot's replies wait a little, the job runner's calls not at all (their job is rescheduled).
   */
  readonly maxWaitMs: number
  readonly logger: Logger
  /** @default Date.now */
  readonly clock?: () => number
}

/** What a call's abort signal offers, whichever AbortSignal type the Bot API client declares. */
interface Abortable {
  readonly aborted: boolean
  addEventListener(type: 'abort', listener: () => void, options?: { once: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

const sleep = (ms: number, signal: Abortable | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })

/**
 * The transformer every Bot API call of the bot goes through, nearest to the network: no call
 * while the bot is held (Telegram's `retry_after` applies to the whole bot, and calling on makes
 * it longer), a deadline on each call, a 429 holds every call of the bot, and 5xx answers or lost
 * connections in a row open a circuit (a hold that grows while failures go on).
 */
export function botApiGate(options: BotApiGateOptions): Transformer {
  const clock = options.clock ?? Date.now
  return async (prev, method, payload, callSignal) => {
    const signal = callSignal as Abortable | undefined
    // A long poll is no message and waits on its own: it is never held.
    const polling = method === 'getUpdates'
    const held = polling ? undefined : options.hold.until()
    if (held !== undefined) {
      const wait = held - clock()
      if (wait > options.maxWaitMs) {
        throw new BotApiHeldError(method, held, msToWholeSeconds(wait), options.hold.why() ?? 'held')
      }
      await sleep(wait, signal)
    }
    const longPoll = polling ? (payload as { timeout?: number } | undefined)?.timeout : undefined
    const deadline = options.timeoutMs + secondsToMs(longPoll ?? 0)
    const controller = new AbortController()
    const onAbort = () => {
      controller.abort()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const call = { timedOut: false }
    let timer: NodeJS.Timeout | undefined
    // The answer, or the deadline: a client that ignores the abort cannot hold the caller.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        call.timedOut = true
        controller.abort()
        reject(new BotApiTimeoutError(method, deadline))
      }, deadline)
    })
    try {
      const res = await Promise.race([prev(method, payload, controller.signal as unknown as typeof callSignal), late])
      if (res.ok) {
        options.streak.success()
      } else if (res.error_code === 429) {
        const seconds = res.parameters?.retry_after ?? 5
        await options.hold.hold(clock() + secondsToMs(seconds), `${method}: retry_after ${String(seconds)}`)
      } else if (res.error_code >= 500) {
        await trip(`${method}: ${String(res.error_code)} ${res.description}`)
      } else {
        options.streak.success()
      }
      return res
    } catch (err) {
      if (call.timedOut) throw new BotApiTimeoutError(method, deadline)
      if (!signal?.aborted) await trip(`${method}: ${err instanceof Error ? err.message : String(err)}`)
      throw err
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async function trip(reason: string): Promise<void> {
    const holdMs = options.streak.failure()
    if (holdMs !== undefined) await options.hold.hold(clock() + holdMs, `${reason} (failing in a row)`)
  }
}
