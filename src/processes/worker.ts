import type { TelegramClient } from '@mtcute/node'
import { Api } from 'grammy'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { openStore, type Store } from '../db/store.js'
import { AccountHold } from '../jobs/hold.js'
import { JobRunner } from '../jobs/runner.js'
import { secondsToMs } from '../time.js'
import { type LoginCanaryDeps, type LoginCanaryOptions, startLoginCanary } from '../worker/canary/schedule.js'
import { workerRetryAfter } from '../worker/errors.js'
import { workerJobHandlers } from '../worker/jobs/index.js'
import { MtcuteAccount } from '../worker/mtcute-account.js'
import type { LoggedInUser } from '../worker/qr-login.js'
import { secureSessionFile } from '../worker/session-file.js'
import { whoAmI } from '../worker/whoami.js'

/** The running worker process: the MTProto account and its job runner. */
export interface WorkerProcess {
  readonly store: Store
  /** Who the account is logged in as. */
  readonly user: LoggedInUser
  readonly jobs: JobRunner
  /** Stops the canary and taking jobs, lets the job in progress finish, disconnects, closes the database. */
  stop(): Promise<void>
}

/** Options of {@link startWorkerProcess}. */
export interface WorkerProcessOptions {
  /** The mtcute client, already built over the session file (tests pass one over a stub). */
  readonly client: TelegramClient
  /** How often the worker writes "last seen" to its state row, in ms. @default 60000 */
  readonly heartbeatMs?: number
  /** Seconds between looks at the queue when it is empty. @default 1000 */
  readonly idleMs?: number
  /** @default Date.now */
  readonly clock?: () => number
  /**
   * The login canary's first delay and run overrides (tests make them short); its interval is
   * `CANARY_INTERVAL_SECONDS`.
   */
  readonly canary?: Pick<LoginCanaryOptions, 'firstRunDelayMs'> & Pick<LoginCanaryDeps, 'run'>
}

/**
 * Starts the worker: migrations, the session file's mode checked, who is logged in recorded in
 * `worker_state`, then a {@link JobRunner} with owner `worker` running `chat.create` over the
 * account, and the login canary every `CANARY_INTERVAL_SECONDS` (0: never). Refuses to start when
 * the session is not logged in (`NotLoggedInError`).
 */
export async function startWorkerProcess(
  config: Config,
  logger: Logger,
  options: WorkerProcessOptions,
): Promise<WorkerProcess> {
  const fixed = secureSessionFile(config.workerSessionPath)
  if (fixed.length > 0) logger.warn({ files: fixed }, 'session files were readable by others; set to mode 0600')
  const clock = options.clock ?? Date.now
  const { store, migrations } = await openStore({ databasePath: config.databasePath, clock })
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'migrations applied')
  const tg = options.client
  try {
    const user = await whoAmI(tg)
    // mtcute has opened the file (and its WAL) by now: check the mode again.
    secureSessionFile(config.workerSessionPath)
    const seen = async () => {
      await store.workerState.recordSeen(user.id, user.username !== null ? `@${user.username}` : user.name, clock())
    }
    await seen()
    logger.info({ userId: user.id }, 'worker logged in')
    // The bot's username comes from the config, else from the Bot API (the worker has the token too).
    const botUsername =
      config.botUsername ?? (await new Api(config.botToken, { apiRoot: config.telegramApiRoot }).getMe()).username
    const hold = new AccountHold(store.holds, 'worker', { logger, clock })
    const jobs = new JobRunner({
      owner: 'worker',
      jobs: store.jobs,
      handlers: workerJobHandlers({
        store,
        account: new MtcuteAccount(tg),
        botUsername,
        logger,
        chatsPerDay: config.chatsPerDay,
        callTimeoutMs: secondsToMs(config.workerCallTimeoutSeconds),
        hold,
        clock,
      }),
      logger,
      retryAfterOf: workerRetryAfter,
      holdUntil: () => hold.until(),
      concurrency: 1,
      // Account actions are few and Telegram punishes bursts: one job a second at most.
      perSecond: 1,
      idleMs: options.idleMs ?? 1000,
      clock,
    })
    jobs.start()
    const heartbeat = setInterval(() => {
      seen().catch((err: unknown) => {
        logger.error({ err }, 'could not record the worker as seen')
      })
    }, options.heartbeatMs ?? 60_000)
    heartbeat.unref()
    const canary = startLoginCanary(
      { tg, store, botUsername, logger, clock, ...(options.canary?.run ? { run: options.canary.run } : {}) },
      {
        intervalSeconds: config.canaryIntervalSeconds,
        ...(options.canary?.firstRunDelayMs !== undefined ? { firstRunDelayMs: options.canary.firstRunDelayMs } : {}),
      },
    )
    if (config.canaryIntervalSeconds > 0)
      logger.info({ intervalSeconds: config.canaryIntervalSeconds }, 'login canary scheduled')
    return {
      store,
      user,
      jobs,
      stop: async () => {
        clearInterval(heartbeat)
        // Before the client goes away: an aborted run records nothing.
        await canary.stop()
        await jobs.stop()
        await tg.destroy()
        await store.close()
      },
    }
  } catch (err) {
    await tg.destroy().catch(() => undefined)
    await store.close()
    throw err
  }
}
