import type { Logger } from 'pino'
import type { Store } from '../../db/store.js'
import type { JobKindOf } from '../../jobs/kinds.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { AccountHold } from '../../jobs/hold.js'
import { DailyChatLimitError, floodWaitOf, pausingErrorOf, WorkerPausedError } from '../errors.js'
import type { TelegramAccount } from '../port.js'
import { chatCreateJob } from './chat-create.js'
import { memberAddJob } from './member-add.js'
import { DAY, msToWholeSeconds, secondsToMs } from '../../time.js'

/** What {@link workerJobHandlers} needs. */
export interface WorkerJobDeps {
  readonly store: Store
  readonly account: TelegramAccount
  readonly botUsername: string
  readonly logger: Logger
  /** Supergroups created per rolling 24 h at most (`CHATS_PER_DAY`). @default 20 */
  readonly chatsPerDay?: number
  /**
   * How long `PEER_FLOOD` / `USER_RESTRICTED` pause the worker, in seconds. Telegram does not
   * say; a day is what such limits usually last, and an admin can see and lift it.
   * @default 86400
   */
  readonly pauseSeconds?: number
  /**
   * Longest one operation of the account may take before the attempt counts as failed (it is
   * retried with backoff; the operations are idempotent). @default 60000
   */
  readonly callTimeoutMs?: number
  /** The account's hold (`FLOOD_WAIT_X` holds every job, in every worker process). */
  readonly hold?: AccountHold
  /** @default Date.now */
  readonly clock?: () => number
}

/** An operation of the worker's account that got no answer in time. */
export class WorkerCallTimeoutError extends Error {
  override readonly name = 'WorkerCallTimeoutError'
}

/** `call`, or a {@link WorkerCallTimeoutError} when it does not settle within `ms`. */
function withDeadline<T>(name: string, ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new WorkerCallTimeoutError(`${name}: no answer from Telegram within ${String(ms)} ms`))
    }, ms)
  })
  return Promise.race([call(), deadline]).finally(() => {
    clearTimeout(timer)
  })
}

/**
 * The worker's job handlers. Around the plain `chat.create` and `member.add` handlers they add
 * Telegram's limits, kept in the database so they hold across restarts: a pause after
 * `PEER_FLOOD` / `USER_RESTRICTED` (for every job: the account is what Telegram limited), and at
 * most `chatsPerDay` creations per rolling 24 h. Both surface as errors that `workerRetryAfter`
 * turns into a reschedule without charging an attempt, as does `FLOOD_WAIT_X`; every failure is
 * also written to the worker's state row for the admin page.
 */
export function workerJobHandlers(deps: WorkerJobDeps): Record<JobKindOf<'worker'>, JobHandler> {
  const clock = deps.clock ?? Date.now
  const state = deps.store.workerState
  const limit = deps.chatsPerDay ?? 20

  const timeoutMs = deps.callTimeoutMs ?? 60_000
  // Each operation has a deadline; a creation is counted the moment Telegram confirms it, before
  // anything else can fail.
  const account: TelegramAccount = {
    createSupergroup: async (params) => {
      const created = await withDeadline('createSupergroup', timeoutMs, () => deps.account.createSupergroup(params))
      await state.recordChatCreated(params.chatId, clock())
      return created
    },
    promoteBot: (params) => withDeadline('promoteBot', timeoutMs, () => deps.account.promoteBot(params)),
    addMember: (params) => withDeadline('addMember', timeoutMs, () => deps.account.addMember(params)),
  }

  const notPaused = async (): Promise<void> => {
    const now = clock()
    const held = deps.hold?.until()
    if (held !== undefined) {
      throw new WorkerPausedError(deps.hold?.why() ?? 'FLOOD_WAIT', held, msToWholeSeconds(held - now))
    }
    const current = await state.read()
    if (current.pausedUntil !== null && current.pausedUntil > now) {
      throw new WorkerPausedError(
        current.pauseReason ?? 'paused',
        current.pausedUntil,
        msToWholeSeconds(current.pausedUntil - now),
      )
    }
  }

  const dailySlot = async (payload: unknown): Promise<void> => {
    const now = clock()
    const chatId = (payload as { chatId?: unknown } | null)?.chatId
    const chat = typeof chatId === 'number' ? await deps.store.chats.findById(chatId) : undefined
    // A chat already made only needs finishing; it does not take a new slot.
    if (chat?.telegramChatId !== null && chat !== undefined) return
    const window = await state.chatsCreatedSince(now - DAY)
    if (window.count >= limit) {
      throw new DailyChatLimitError(limit, Math.max(1, msToWholeSeconds((window.oldest ?? now) + DAY - now)))
    }
  }

  const withLimits =
    (run: (payload: unknown) => Promise<void>): JobHandler =>
    async (job) => {
      try {
        await notPaused()
        await run(job.payload)
      } catch (err) {
        const now = clock()
        // Telegram's wait is for the account, not this job: every job waits (in every process).
        const floodWait = floodWaitOf(err)
        if (floodWait !== undefined && deps.hold) {
          await deps.hold.hold(now + secondsToMs(floodWait), `FLOOD_WAIT_${String(floodWait)}`)
        }
        const pausing = pausingErrorOf(err)
        if (pausing !== undefined) {
          const until = now + (deps.pauseSeconds === undefined ? DAY : secondsToMs(deps.pauseSeconds))
          await state.setPause(until, pausing)
          await state.recordError(`${pausing}: Telegram limited this account; the worker is paused`, now)
          deps.logger.error(
            { jobId: job.id, kind: job.kind, reason: pausing, pausedUntil: until },
            'worker paused by Telegram',
          )
          throw new WorkerPausedError(pausing, until, msToWholeSeconds(until - now))
        }
        // A pause or the daily limit is the worker's own schedule, not news for the admin page.
        if (!(err instanceof WorkerPausedError) && !(err instanceof DailyChatLimitError)) {
          await state.recordError(err instanceof Error ? `${err.name}: ${err.message}` : String(err), now)
        }
        throw err
      }
    }

  return {
    'chat.create': withLimits(async (payload) => {
      await dailySlot(payload)
      await chatCreateJob(
        { store: deps.store, account, botUsername: deps.botUsername, logger: deps.logger, clock },
        payload,
      )
    }),
    'member.add': withLimits((payload) =>
      memberAddJob({ store: deps.store, account, logger: deps.logger, clock }, payload),
    ),
  }
}
