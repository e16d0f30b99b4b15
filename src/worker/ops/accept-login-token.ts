import { tl, type TelegramClient } from '@mtcute/node'
import { LoginTokenError, type LoginTokenErrorCode } from '../errors.js'

/** The device that a login token authorized, as Telegram describes it. */
export interface AcceptedAuthorization {
  readonly appName: string
  readonly appVersion: string
  readonly deviceModel: string
  readonly platform: string
  readonly systemVersion: string
  readonly ip: string
  readonly country: string
  readonly region: string
}

/** Raised for a link that is not `tg://login?token=<base64url>`. */
export class LoginLinkError extends Error {
  override readonly name = 'LoginLinkError'
}

/** The token bytes of a `tg://login?token=…` link (or of the bare base64url token). */
export function parseLoginToken(link: string): Uint8Array {
  const trimmed = link.trim()
  let token = trimmed
  if (trimmed.includes('://')) {
    const url = URL.canParse(trimmed) ? new URL(trimmed) : undefined
    if (url?.protocol !== 'tg:' || url.host !== 'login') throw new LoginLinkError('expected a tg://login?token=… link')
    token = url.searchParams.get('token') ?? ''
  }
  if (!/^[A-Za-z0-9_-]+=*$/.test(token)) throw new LoginLinkError('the link has no base64url token')
  return new Uint8Array(Buffer.from(token, 'base64url'))
}

const CODES: readonly LoginTokenErrorCode[] = [
  'AUTH_TOKEN_INVALID',
  'AUTH_TOKEN_EXPIRED',
  'AUTH_TOKEN_ALREADY_ACCEPTED',
]

/**
 * Authorizes another device from this account (`auth.acceptLoginToken`), as scanning its QR
 * code in the app would. Telegram's refusals become a {@link LoginTokenError} with its `code`.
 */
export async function acceptLoginToken(tg: TelegramClient, token: Uint8Array): Promise<AcceptedAuthorization> {
  let a: tl.RawAuthorization
  try {
    a = await tg.call({ _: 'auth.acceptLoginToken', token })
  } catch (err) {
    const code = CODES.find((c) => tl.RpcError.is(err, c))
    if (code) throw new LoginTokenError(code)
    throw err
  }
  return {
    appName: a.appName,
    appVersion: a.appVersion,
    deviceModel: a.deviceModel,
    platform: a.platform,
    systemVersion: a.systemVersion,
    ip: a.ip,
    country: a.country,
    region: a.region,
  }
}
