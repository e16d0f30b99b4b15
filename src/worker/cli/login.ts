import type { TelegramClient } from '@mtcute/node'
import { normalizePhoneNumber } from '../phone-number.js'
import {
  type LoggedInUser,
  PasswordNeededError,
  qrLogin,
  type QrLoginOptions,
  WrongPasswordError,
} from '../qr-login.js'
import { type CommandIo, WorkerExit } from './io.js'
import { NoTerminalError } from './prompt.js'

/** Keeps the QR link `worker:login` shows, e.g. in `worker_state` (see `WorkerStateRepository`). */
export interface PendingQrStore {
  /** @param expiresAt When the link stops working (ms since the epoch). */
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
  /**
   * Where the current QR link is kept for the admin page (`/admin/worker`): recorded at each new
   * link, cleared when the login ends however it ends. @default none (the terminal only)
   */
  readonly pendingQr?: PendingQrStore
  /** Called once logged in, e.g. to record the worker's state and fix the session file's mode. */
  readonly onLoggedIn?: (user: { id: number; name: string; username: string | null }) => Promise<void>
}

/** How `worker:login` is called. */
export const LOGIN_USAGE = 'Usage: karmagate worker:login [--phone [+NUMBER]]'

/** The parsed arguments of `worker:login`, or a usage problem. */
export type LoginArgs =
  | { readonly method: 'qr' }
  | { readonly method: 'phone'; readonly phone: string | undefined }
  | { readonly problem: string }

/**
 * Parses `worker:login`'s arguments: none (QR login), `--phone` (phone-code login; the number is
 * asked), `--phone +NUMBER` or `--phone=+NUMBER`. `node:util` parseArgs cannot take an option whose
 * value is optional, hence by hand; anything else is a problem that names it.
 */
export function parseLoginArgs(argv: readonly string[]): LoginArgs {
  let phone: { value: string | undefined } | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined]
    if (name !== '--phone')
      return { problem: arg.startsWith('-') ? `unknown option '${name}'` : `unexpected argument '${arg}'` }
    if (phone) return { problem: '--phone is given twice' }
    let value = inline
    const following = argv[i + 1]
    if (value === undefined && following !== undefined && !following.startsWith('--')) {
      value = following
      i++
    }
    phone = { value }
  }
  if (!phone) return { method: 'qr' }
  if (phone.value === undefined) return { method: 'phone', phone: undefined }
  const normalized = normalizePhoneNumber(phone.value)
  if (normalized === undefined)
    return {
      problem:
        '--phone must be a phone number in international format: +, the country code, then the number (e.g. +44 20 7946 0958)',
    }
  return { method: 'phone', phone: normalized }
}

/** The line both logins end with, on stdout. */
export function loggedInLine(user: LoggedInUser): string {
  return `Logged in as ${user.name}${user.username !== null ? ` (@${user.username})` : ''}, id ${String(user.id)}.\n`
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
      ...(pending ? { onLink: (url: string, expires: Date) => pending.recordLoginQr(url, expires.getTime()) } : {}),
    })
    await options.onLoggedIn?.(user)
    io.out(loggedInLine(user))
    return WorkerExit.ok
  } catch (err) {
    const exit = loginFailureExit(err, io)
    if (exit === undefined) throw err
    return exit
  } finally {
    // The link logs in whoever scans it: take it off the admin page as soon as it is of no use.
    await pending?.clearLoginQr().catch(() => undefined)
  }
}

/**
 * The exit code for a failure any login way shares (a 2FA password wrong or missing, no
 * terminal to ask on), after saying why; undefined for any other error.
 */
export function loginFailureExit(err: unknown, io: CommandIo): number | undefined {
  if (err instanceof WrongPasswordError || err instanceof PasswordNeededError) {
    io.err(`Login failed: ${err.message}\n`)
    return WorkerExit.password
  }
  if (err instanceof NoTerminalError) {
    io.err(`Login failed: ${err.message}\n`)
    return WorkerExit.usage
  }
  return undefined
}
