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

/** The process's logger: JSON lines on stdout, secrets redacted. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  const options = { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } }
  return destination ? pino(options, destination) : pino(options)
}
