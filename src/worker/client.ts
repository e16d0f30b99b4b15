import { networkMiddlewares, TelegramClient } from '@mtcute/node'
import type { Logger } from 'pino'
import { routeMtcuteLogs } from './mtcute-log.js'
import { WorkerPlatform } from './platform.js'
import { secureSessionFile } from './session-file.js'

/** Options of {@link createWorkerClient}. */
export interface WorkerClientOptions {
  readonly apiId: number
  readonly apiHash: string
  /** The session file (SQLite, mtcute's own tables); made mode 0600 here. */
  readonly sessionPath: string
  /**
   * Longest `FLOOD_WAIT` mtcute sleeps through by itself, in ms. Longer waits are thrown so the
   * job queue reschedules the job durably (a sleeping process would lose it on a restart).
   * @default 5000
   */
  readonly floodSleepThresholdMs?: number
  /**
   * Where mtcute's own log lines go (a child `{ part: 'mtcute' }`, at this logger's level), so
   * they are JSON and scrubbed of secrets like every other line rather than printed by mtcute.
   */
  readonly logger: Logger
}

/**
 * The worker's mtcute client over its session file. Updates are off: the worker only makes
 * calls, and an update loop would keep fetching differences for nothing. mtcute logs through
 * `logger`, and leaves SIGTERM / SIGINT to the process (see {@link WorkerPlatform}).
 */
export function createWorkerClient(options: WorkerClientOptions): TelegramClient {
  secureSessionFile(options.sessionPath)
  const tg = new TelegramClient({
    apiId: options.apiId,
    apiHash: options.apiHash,
    storage: options.sessionPath,
    // Shutdown on SIGTERM / SIGINT is the process's, not mtcute's (see WorkerPlatform).
    platform: new WorkerPlatform(),
    disableUpdates: true,
    // Nothing is logged while constructing; routeMtcuteLogs sets the real level right after.
    logLevel: 0,
    network: {
      middlewares: networkMiddlewares.basic({ floodWaiter: { maxWait: options.floodSleepThresholdMs ?? 5000 } }),
    },
  })
  routeMtcuteLogs(tg.log, options.logger)
  return tg
}
