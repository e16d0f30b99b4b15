import type { TelegramClient } from '@mtcute/node'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { type CommandIo, WorkerExit } from '../worker/cli/io.js'
import { NotLoggedInError } from '../worker/whoami.js'
import { catchShutdownSignals } from './shutdown.js'
import { startWorkerProcess, type WorkerProcessOptions } from './worker.js'

/**
 * `worker`: starts the worker process over `tg` and hands it to the shutdown signals. Resolves to
 * the exit code once it runs (0; the process then lives until SIGTERM / SIGINT, which let the job
 * in progress finish, close everything, log "stopped" and exit 0), or 7 when the session is not
 * logged in. `tg` is the real client from the CLI; the test suite's worker process
 * (`test/support/worker-process.ts`) passes a stubbed one.
 */
export async function runWorker(
  config: Config,
  logger: Logger,
  tg: TelegramClient,
  io: CommandIo,
  options: Omit<WorkerProcessOptions, 'client'> = {},
): Promise<number> {
  // Before starting: a signal that arrives while the worker starts must still stop it cleanly.
  const signals = catchShutdownSignals(logger)
  let worker
  try {
    worker = await startWorkerProcess(config, logger, { ...options, client: tg })
  } catch (err) {
    if (err instanceof NotLoggedInError) {
      io.err(`${err.message}\n`)
      return WorkerExit.notLoggedIn
    }
    throw err
  }
  logger.info({ userId: worker.user.id, chatsPerDay: config.chatsPerDay }, 'worker running')
  const running = worker
  signals.ready(() => running.stop())
  return WorkerExit.ok
}
