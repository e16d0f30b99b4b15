import type { TelegramClient } from '@mtcute/node'
import { catchShutdownSignals } from '../../processes/shutdown.js'
import type { Logger } from 'pino'
import { type Config, workerCredentials } from '../../config.js'
import { openStore } from '../../db/store.js'
import { startWorkerProcess } from '../../processes/worker.js'
import { createWorkerClient } from '../client.js'
import { secureSessionFile } from '../session-file.js'
import { NotLoggedInError } from '../whoami.js'
import { runWorkerAcceptLogin } from './accept-login.js'
import { type CommandIo, processIo, WorkerExit } from './io.js'
import { runWorkerLogin } from './login.js'
import { askHidden } from './prompt.js'
import { runWorkerUrlAuth } from './url-auth.js'

/** The commands that drive the worker's account. */
export const WORKER_COMMANDS = ['worker', 'worker:login', 'worker:accept-login', 'worker:url-auth'] as const

/** One of {@link WORKER_COMMANDS}. */
export type WorkerCommand = (typeof WORKER_COMMANDS)[number]

/** Whether `command` is one of {@link WORKER_COMMANDS}. */
export function isWorkerCommand(command: string): command is WorkerCommand {
  return (WORKER_COMMANDS as readonly string[]).includes(command)
}

/**
 * Runs a worker command from the CLI. Resolves to the exit code; for `worker` itself, once the
 * process runs (it then stops on SIGTERM / SIGINT). Refuses with exit 2 when `TG_API_ID` or
 * `TG_API_HASH` is missing.
 */
export async function runWorkerCommand(command: WorkerCommand, args: readonly string[], config: Config, logger: Logger, io: CommandIo = processIo): Promise<number> {
  const creds = workerCredentials(config)
  if ('problems' in creds) {
    io.err(`Invalid configuration:\n${creds.problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example and README.md ("Worker").\n`)
    return WorkerExit.usage
  }
  const tg = createWorkerClient({ ...creds, sessionPath: config.workerSessionPath })
  if (command === 'worker') return runWorker(config, logger, tg, io)
  try {
    if (command === 'worker:login') {
      // Open for the whole login: each new QR link goes to worker_state for /admin/worker.
      const { store } = openStore(config.databasePath)
      try {
        return await runWorkerLogin(tg, io, {
          ...(config.tg2faPassword !== undefined ? { password: config.tg2faPassword } : { askPassword: () => askHidden('2FA password: ') }),
          pendingQr: store.workerState,
          onLoggedIn: async (user) => {
            secureSessionFile(config.workerSessionPath)
            await store.workerState.recordSeen(user.id, user.username !== null ? `@${user.username}` : user.name, Math.floor(Date.now() / 1000))
          },
        })
      } finally {
        store.close()
      }
    }
    if (command === 'worker:accept-login') {
      if (args.length !== 1) {
        io.err('Usage: karmagate worker:accept-login "tg://login?token=…" (one argument)\n')
        return WorkerExit.usage
      }
      return await runWorkerAcceptLogin(tg, io, args[0])
    }
    return await runWorkerUrlAuth(tg, io, args)
  } finally {
    await tg.destroy()
    secureSessionFile(config.workerSessionPath)
  }
}

async function runWorker(config: Config, logger: Logger, tg: TelegramClient, io: CommandIo): Promise<number> {
  const signals = catchShutdownSignals(logger)
  let worker
  try {
    worker = await startWorkerProcess(config, logger, { client: tg })
  } catch (err) {
    if (err instanceof NotLoggedInError) {
      io.err(`${err.message}\n`)
      return WorkerExit.notLoggedIn
    }
    throw err
  }
  logger.info({ userId: worker.user.id, chatsPerDay: config.chatsPerDay }, 'worker running')
  if (config.canaryIntervalSeconds > 0) logger.warn('CANARY_INTERVAL_SECONDS is set, but the login canary is not built yet; ignoring it')
  const running = worker
  signals.ready(() => running.stop())
  return WorkerExit.ok
}
