import type { TelegramClient } from '@mtcute/node'
import { PasswordNeededError, qrLogin, type QrLoginOptions, WrongPasswordError } from '../qr-login.js'
import { type CommandIo, WorkerExit } from './io.js'

/** Keeps the QR link `worker:login` shows, e.g. in `worker_state` (see `WorkerStateRepository`). */
export interface PendingQrStore {
  /** @param expiresAt Unix seconds. */
  recordLoginQr(url: string, expiresAt: number): Promise<void>
  clearLoginQr(): Promise<void>
}

/** Options of {@link runWorkerLogin}. */
export interface WorkerLoginOptions {
  /** `TG_2FA_PASSWORD`. */
  readonly password?: string
  /** The hidden prompt, used when {@link password} is absent. */
  readonly askPassword?: () => Promise<string>
  readonly renderQr?: QrLoginOptions['renderQr']
  /** Called once logged in, e.g. to record the worker's state and fix the session file's mode. */
  /**
   * Where the current QR link is kept for the admin page (`/admin/worker`): recorded at each new
   * link, cleared when the login ends however it ends. @default none (the terminal only)
   */
  readonly pendingQr?: PendingQrStore
  readonly onLoggedIn?: (user: { id: number; name: string; username: string | null }) => Promise<void>
}

/** `worker:login`: QR login; prints who is logged in. Resolves to the exit code. */
export async function runWorkerLogin(tg: TelegramClient, io: CommandIo, options: WorkerLoginOptions): Promise<number> {
  const pending = options.pendingQr
  try {
    const user = await qrLogin(tg, {
      output: io.err,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.askPassword ? { askPassword: options.askPassword } : {}),
      ...(options.renderQr ? { renderQr: options.renderQr } : {}),
      ...(pending ? { onLink: (url: string, expires: Date) => pending.recordLoginQr(url, Math.floor(expires.getTime() / 1000)) } : {}),
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
  } finally {
    // The link logs in whoever scans it: take it off the admin page as soon as it is of no use.
    await pending?.clearLoginQr().catch(() => undefined)
  }
}
