import type { TelegramClient } from '@mtcute/node'
import { LoginTokenError, type LoginTokenErrorCode } from '../errors.js'
import { acceptLoginToken, LoginLinkError, parseLoginToken } from '../ops/accept-login-token.js'
import { type CommandIo, WorkerExit } from './io.js'

const EXIT_BY_CODE: Readonly<Record<LoginTokenErrorCode, number>> = {
  AUTH_TOKEN_INVALID: WorkerExit.tokenInvalid,
  AUTH_TOKEN_EXPIRED: WorkerExit.tokenExpired,
  AUTH_TOKEN_ALREADY_ACCEPTED: WorkerExit.tokenAlreadyAccepted,
}

/**
 * `worker:accept-login LINK`: authorizes another device with this account and prints what
 * Telegram says about it. Each refusal has its own message and exit code (3, 4, 5).
 */
export async function runWorkerAcceptLogin(
  tg: TelegramClient,
  io: CommandIo,
  link: string | undefined,
): Promise<number> {
  let token: Uint8Array
  try {
    token = parseLoginToken(link ?? '')
  } catch (err) {
    if (!(err instanceof LoginLinkError)) throw err
    io.err(`Usage: karmagate worker:accept-login "tg://login?token=…" (${err.message})\n`)
    return WorkerExit.usage
  }
  try {
    const a = await acceptLoginToken(tg, token)
    io.out(
      [
        'Authorized:',
        `  app       ${a.appName} ${a.appVersion}`,
        `  device    ${a.deviceModel}`,
        `  platform  ${a.platform} ${a.systemVersion}`,
        `  IP        ${a.ip}`,
        `  region    ${a.region}, ${a.country}`,
        'If this was not you, end the session in Telegram: Settings → Devices.',
        '',
      ].join('\n'),
    )
    return WorkerExit.ok
  } catch (err) {
    if (!(err instanceof LoginTokenError)) throw err
    io.err(`${err.code}: ${err.message}\n`)
    return EXIT_BY_CODE[err.code]
  }
}
