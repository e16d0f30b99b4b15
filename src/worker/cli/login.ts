import type { TelegramClient } from '@mtcute/node'
import { PasswordNeededError, qrLogin, type QrLoginOptions, WrongPasswordError } from '../qr-login.js'
import { type CommandIo, WorkerExit } from './io.js'

/** Options of {@link runWorkerLogin}. */
export interface WorkerLoginOptions {
  /** `TG_2FA_PASSWORD`. */
  readonly password?: string
  /** The hidden prompt, used when {@link password} is absent. */
  readonly askPassword?: () => Promise<string>
  readonly renderQr?: QrLoginOptions['renderQr']
  /** Called once logged in, e.g. to record the worker's state and fix the session file's mode. */
  readonly onLoggedIn?: (user: { id: number; name: string; username: string | null }) => Promise<void>
}

/** `worker:login`: QR login; prints who is logged in. Resolves to the exit code. */
export async function runWorkerLogin(tg: TelegramClient, io: CommandIo, options: WorkerLoginOptions): Promise<number> {
  try {
    const user = await qrLogin(tg, {
      output: io.err,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.askPassword ? { askPassword: options.askPassword } : {}),
      ...(options.renderQr ? { renderQr: options.renderQr } : {}),
    })
    await options.onLoggedIn?.(user)
    io.out(`Logged in as ${user.name}${user.username !== null ? ` (@${user.username})` : ''}, id ${String(user.id)}.\n`)
    return WorkerExit.ok
  } catch (err) {
    if (err instanceof WrongPasswordError || err instanceof PasswordNeededError) {
      io.err(`Login failed: ${err.message}\n`)
      return WorkerExit.password
    }
    throw err
  }
}
