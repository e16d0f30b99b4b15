import { pino, type Logger } from 'pino'
import type { Config } from './config.js'

/** Fields that must never reach a log line, wherever they appear. */
const REDACT = [
  'botToken',
  'token',
  'sessionSecret',
  'config.botToken',
  'config.sessionSecret',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
]

/**
 * The process's logger: JSON lines on stdout, secret fields redacted by path, and, as a last
 * line of defence, every occurrence of a secret's value replaced in the written line (an
 * error from a failed Bot API request can carry the request URL, which holds the token). Values
 * shorter than 8 characters are not scrubbed (replacing a short string everywhere would garble
 * lines), so a short `TG_2FA_PASSWORD` relies on nothing logging it, which nothing does.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'> &
    Partial<Pick<Config, 'botToken' | 'sessionSecret' | 'webhookSecret' | 'tgApiHash' | 'tg2faPassword'>>,
  destination?: NodeJS.WritableStream,
): Logger {
  // The worker's api_hash and 2FA password too: mtcute's own lines come through here (see worker/mtcute-log.ts).
  const secrets = [
    config.botToken,
    config.sessionSecret,
    config.webhookSecret,
    config.tgApiHash,
    config.tg2faPassword,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 8)
  const options = {
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    hooks: {
      streamWrite: (line: string) => secrets.reduce((out, secret) => out.replaceAll(secret, '[redacted]'), line),
    },
  }
  return destination ? pino(options, destination) : pino(options)
}
