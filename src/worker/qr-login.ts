import { tl, type TelegramClient, type User } from '@mtcute/node'
import QRCode from 'qrcode'

/** Who is logged in, as the CLI and the worker's state row show it. */
export interface LoggedInUser {
  readonly id: number
  /** First and last name. */
  readonly name: string
  /** Without `@`; null when the account has none. */
  readonly username: string | null
}

/** Options of {@link qrLogin}. */
export interface QrLoginOptions {
  /** Where the link, the QR code and the notes go (a terminal, a test's array). */
  readonly output: (text: string) => void
  /** The 2FA password (`TG_2FA_PASSWORD`). A wrong one fails the login with {@link WrongPasswordError}. */
  readonly password?: string
  /** Asks for the 2FA password (a hidden prompt); asked again after a wrong one. Used when {@link password} is absent. */
  readonly askPassword?: () => Promise<string>
  /** Draws the QR code of a URL as text. @default a small terminal QR (the `qrcode` package) */
  readonly renderQr?: (url: string) => Promise<string>
  /**
   * Told each new link before it is printed, e.g. to record it for the admin page. A failure is
   * reported on {@link output} and does not stop the login: the terminal still has the code.
   * @default nothing
   */
  readonly onLink?: (url: string, expires: Date) => Promise<void>
  readonly abortSignal?: AbortSignal
}

/** The 2FA password given in `TG_2FA_PASSWORD` is wrong. */
export class WrongPasswordError extends Error {
  override readonly name = 'WrongPasswordError'
}

/** The account has a 2FA password and neither `TG_2FA_PASSWORD` nor a prompt can give it. */
export class PasswordNeededError extends Error {
  override readonly name = 'PasswordNeededError'
}

/** A terminal QR code: half-height blocks, so it fits a normal window. */
export function terminalQr(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'terminal', small: true, errorCorrectionLevel: 'L' })
}

/** The user as {@link LoggedInUser}. */
export function loggedInUser(user: User): LoggedInUser {
  return { id: user.id, name: user.displayName, username: user.username }
}

/**
 * Logs the account in by QR code: prints the `tg://login?token=…` link and its QR code, and a
 * new pair whenever the token expires (about every 30 s) until it is scanned in the Telegram app
 * (Settings → Devices → Link Desktop Device). mtcute handles `loginTokenMigrateTo` (the account
 * lives on another DC: it switches and imports the token there) and runs SRP for the 2FA
 * password. Resolves to who is now logged in.
 */
export async function qrLogin(tg: TelegramClient, options: QrLoginOptions): Promise<LoggedInUser> {
  const render = options.renderQr ?? terminalQr
  // onUrlUpdated is synchronous; drawing is not. Chain the draws so links print in order.
  let printing = Promise.resolve()
  const password = options.password ?? options.askPassword
  try {
    const user = await tg.signInQr({
      onUrlUpdated: (url, expires) => {
        printing = printing.then(async () => {
          await options.onLink?.(url, expires).catch((err: unknown) => {
            options.output(
              `(Could not share this code with the admin page: ${err instanceof Error ? err.message : String(err)})\n`,
            )
          })
          const qr = await render(url).catch(() => '')
          options.output(
            `${qr}\nScan this in Telegram (Settings → Devices → Link Desktop Device), or open:\n${url}\n(valid until ${expires.toISOString()}; a new one follows automatically)\n`,
          )
        })
      },
      onQrScanned: () => {
        options.output('Scanned; finishing the login…\n')
      },
      ...(password !== undefined ? { password } : {}),
      invalidPasswordCallback: () => {
        options.output('Wrong password; try again.\n')
      },
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    })
    await printing
    return loggedInUser(user)
  } catch (err) {
    // Let a link still being recorded land first, so the caller's cleanup comes after it.
    await printing.catch(() => undefined)
    if (tl.RpcError.is(err, 'PASSWORD_HASH_INVALID'))
      throw new WrongPasswordError('the 2FA password (TG_2FA_PASSWORD) is wrong', { cause: err })
    if (tl.RpcError.is(err, 'SESSION_PASSWORD_NEEDED'))
      throw new PasswordNeededError('the account has a 2FA password: set TG_2FA_PASSWORD or run in a terminal', {
        cause: err,
      })
    throw err
  }
}
