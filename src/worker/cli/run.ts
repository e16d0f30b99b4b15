import type { TelegramClient } from '@mtcute/node'
import type { Logger } from 'pino'
import { type Config, workerCredentials } from '../../config.js'
import { openStore } from '../../db/store.js'
import { createWorkerClient } from '../client.js'
import type { LoggedInUser } from '../qr-login.js'
import { secureSessionFile } from '../session-file.js'
import { runWorkerAcceptLogin } from './accept-login.js'
import { type CommandIo, WorkerExit } from './io.js'
import { LOGIN_USAGE, parseLoginArgs, runWorkerLogin } from './login.js'
import { runWorkerPhoneLogin } from './phone-login.js'
import { askHidden, askLine } from './prompt.js'
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
 * Runs a worker command from the CLI. Resolves to the exit code; for `worker` itself, `runWorker`
 * starts the process over the client (the caller assembles it: this folder does not know the
 * processes) and resolves once it runs (it then stops on SIGTERM / SIGINT). Refuses with exit 2 when `TG_API_ID` or
 * `TG_API_HASH` is missing, or on bad arguments.
 */
export async function runWorkerCommand(
  command: WorkerCommand,
  args: readonly string[],
  config: Config,
  logger: Logger,
  io: CommandIo,
  runWorker: (tg: TelegramClient) => Promise<number>,
): Promise<number> {
  const creds = workerCredentials(config)
  if ('problems' in creds) {
    io.err(
      `Invalid configuration:\n${creds.problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example and docs/worker.md.\n`,
    )
    return WorkerExit.usage
  }
  // Arguments first: a typo should not open the session file or connect.
  const login = command === 'worker:login' ? parseLoginArgs(args) : undefined
  if (login && 'problem' in login) {
    io.err(`${login.problem}\n${LOGIN_USAGE}\n`)
    return WorkerExit.usage
  }
  if (command === 'worker' && args.length > 0) {
    io.err('Usage: karmagate worker (no arguments)\n')
    return WorkerExit.usage
  }
  const tg = createWorkerClient({ ...creds, sessionPath: config.workerSessionPath, logger })
  if (command === 'worker') return runWorker(tg)
  try {
    if (login) {
      // Open for the whole login: each new QR link goes to worker_state for /admin/worker.
      const { store } = await openStore({ databasePath: config.databasePath })
      const password =
        config.tg2faPassword !== undefined
          ? { password: config.tg2faPassword }
          : { askPassword: () => askHidden('2FA password: ') }
      const onLoggedIn = async (user: LoggedInUser) => {
        secureSessionFile(config.workerSessionPath)
        await store.workerState.recordSeen(
          user.id,
          user.username !== null ? `@${user.username}` : user.name,
          Date.now(),
        )
      }
      try {
        if (login.method === 'phone') {
          return await runWorkerPhoneLogin(tg, io, {
            ...password,
            ...(login.phone !== undefined ? { phone: login.phone } : {}),
            askLine,
            onLoggedIn,
          })
        }
        return await runWorkerLogin(tg, io, { ...password, pendingQr: store.workerState, onLoggedIn })
      } finally {
        await store.close()
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
