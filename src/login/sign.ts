import { createHash, createHmac } from 'node:crypto'
import { dataCheckString } from './verify.js'

/**
 * Signs login fields exactly as Telegram does for a bot: HMAC-SHA256 of the data-check-string
 * keyed by SHA-256 of the bot token. The emulator, the tests and the benchmarks use it to make
 * login URLs; the site itself only verifies.
 */
export function signLoginFields(botToken: string, fields: Readonly<Record<string, string>>): string {
  const key = createHash('sha256').update(botToken).digest()
  return createHmac('sha256', key).update(dataCheckString(fields)).digest('hex')
}

/** The query string (without `?`) of a login URL carrying `fields` and their signature. */
export function signedLoginQuery(botToken: string, fields: Readonly<Record<string, string>>): string {
  const params = new URLSearchParams(fields)
  params.set('hash', signLoginFields(botToken, fields))
  return params.toString()
}
