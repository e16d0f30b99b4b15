import type { TelegramClient } from '@mtcute/node'
import { PhoneLoginError, type PhoneLoginErrorCode } from '../errors.js'
import { phoneLogin } from '../phone-login.js'
import type { LoggedInUser } from '../qr-login.js'
import { type CommandIo, WorkerExit } from './io.js'
import { loggedInLine, loginFailureExit } from './login.js'

const EXIT_BY_CODE: Readonly<Record<PhoneLoginErrorCode, number>> = {
  PHONE_NUMBER_INVALID: WorkerExit.phoneInvalid,
  PHONE_CODE_INVALID: WorkerExit.codeInvalid,
  PHONE_CODE_EXPIRED: WorkerExit.codeExpired,
  PHONE_NUMBER_BANNED: WorkerExit.phoneBanned,
  FLOOD_WAIT: WorkerExit.floodWait,
  SIGN_UP_REQUIRED: WorkerExit.signUpRequired,
  PAYMENT_REQUIRED: WorkerExit.failure,
  EMAIL_SETUP_REQUIRED: WorkerExit.failure,
}

/** Options of {@link runWorkerPhoneLogin}. */
export interface WorkerPhoneLoginOptions {
  /** From `--phone +NUMBER`, normalized; when absent, {@link askLine} asks for it. */
  readonly phone?: string
  /** A visible prompt (the phone number, the code). */
  readonly askLine: (question: string) => Promise<string>
  /** `TG_2FA_PASSWORD`. */
  readonly password?: string
  /** The hidden prompt, used when {@link password} is absent. */
  readonly askPassword?: () => Promise<string>
  /** Called once logged in: records the worker's state and fixes the session file's mode. */
  readonly onLoggedIn?: (user: LoggedInUser) => Promise<void>
}

/**
 * `worker:login --phone`: the phone-code login (see `phoneLogin`); prints who is logged in.
 * Resolves to the exit code: 0, 6 for the 2FA password, 8 to 13 for Telegram's refusals (see
 * `WorkerExit`), 2 when a prompt is needed and there is no terminal.
 */
export async function runWorkerPhoneLogin(
  tg: TelegramClient,
  io: CommandIo,
  options: WorkerPhoneLoginOptions,
): Promise<number> {
  try {
    const user = await phoneLogin(tg, {
      output: io.err,
      ...(options.phone !== undefined
        ? { phone: options.phone }
        : { askPhone: () => options.askLine('Phone number (international format, e.g. +44 20 7946 0958): ') }),
      askCode: () => options.askLine('Login code: '),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.askPassword ? { askPassword: options.askPassword } : {}),
    })
    await options.onLoggedIn?.(user)
    io.out(loggedInLine(user))
    return WorkerExit.ok
  } catch (err) {
    if (err instanceof PhoneLoginError) {
      io.err(`Login failed (${err.code}): ${err.message}\n`)
      return EXIT_BY_CODE[err.code]
    }
    const exit = loginFailureExit(err, io)
    if (exit === undefined) throw err
    return exit
  }
}
