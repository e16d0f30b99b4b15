import type { TelegramClient } from '@mtcute/node'
import type { Logger } from 'pino'
import type { CanaryResult } from '../../db/canary.js'
import type { Store } from '../../db/store.js'
import { CanaryError } from './errors.js'
import { type LoginCanaryParams, runLoginCanary } from './run.js'
import { secondsToMs } from '../../time.js'

/** What {@link checkLoginOnce} and {@link startLoginCanary} need. */
export interface LoginCanaryDeps {
  readonly tg: TelegramClient
  readonly store: Pick<Store, 'canary'>
  readonly botUsername: string
  readonly logger: Logger
  /** Overrides of the run's polling, timeout and `fetch` (tests make them short). */
  readonly run?: Omit<LoginCanaryParams, 'botUsername' | 'signal'>
  /** @default Date.now */
  readonly clock?: () => number
}

/**
 * Runs the login canary once and records its result in `canary_state`. Never throws: any failure,
 * Telegram's errors included, is a failed result with its reason, logged as a warning. A run
 * aborted by `signal` (the worker stopping) is not recorded: it says nothing about the chain.
 */
export async function checkLoginOnce(deps: LoginCanaryDeps, signal?: AbortSignal): Promise<CanaryResult | undefined> {
  const clock = deps.clock ?? Date.now
  const started = clock()
  let error: string | null = null
  let opened: string | undefined
  try {
    opened = (
      await runLoginCanary(deps.tg, { ...deps.run, botUsername: deps.botUsername, ...(signal ? { signal } : {}) })
    ).opened
  } catch (err) {
    if (signal?.aborted === true) return undefined
    error =
      err instanceof CanaryError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  }
  const result: CanaryResult = {
    ok: error === null,
    checkedAt: clock(),
    error,
    durationMs: clock() - started,
  }
  try {
    await deps.store.canary.record(result)
  } catch (err) {
    deps.logger.error({ err }, 'could not record the login canary result')
  }
  if (result.ok) deps.logger.info({ durationMs: result.durationMs, opened }, 'login canary passed')
  else deps.logger.warn({ durationMs: result.durationMs, error }, 'login canary failed')
  return result
}

/** The running canary timer. */
export interface LoginCanary {
  /** Cancels the next run and aborts the one in progress; resolves when it has ended. */
  stop(): Promise<void>
}

/** Options of {@link startLoginCanary}. */
export interface LoginCanaryOptions {
  /** Seconds between the end of one run and the start of the next; 0 disables the canary. */
  readonly intervalSeconds: number
  /** Delay before the first run, in ms; soon after start, so a fresh deploy is checked. @default 5000 */
  readonly firstRunDelayMs?: number
}

/**
 * Runs the login canary on a timer in the worker process. A timer and not a durable job: a
 * missed run is harmless (the next one comes), and a job would outlive the reason to run it.
 * Runs never overlap (the next is scheduled when one ends), and the timer does not keep the
 * process alive.
 */
export function startLoginCanary(deps: LoginCanaryDeps, options: LoginCanaryOptions): LoginCanary {
  if (options.intervalSeconds <= 0) return { stop: () => Promise.resolve() }
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()

  const schedule = (ms: number): void => {
    if (abort.signal.aborted) return
    timer = setTimeout(tick, ms)
    timer.unref()
  }
  function tick(): void {
    running = checkLoginOnce(deps, abort.signal)
      // checkLoginOnce does not throw; this only guards the timer against a bug.
      .catch((err: unknown) => {
        deps.logger.error({ err }, 'login canary crashed')
      })
      .finally(() => {
        schedule(secondsToMs(options.intervalSeconds))
      })
  }

  schedule(options.firstRunDelayMs ?? 5000)
  return {
    stop: async () => {
      abort.abort()
      clearTimeout(timer)
      await running
    },
  }
}
