import { timingSafeEqual } from 'node:crypto'
import type { Bot } from 'grammy'
import type { Update } from 'grammy/types'
import express, { type RequestHandler } from 'express'
import type { Logger } from 'pino'
import { isPlainJson, readPlainJson } from '../web/plain-json.js'
import type { BotContext } from './context.js'

/** Options of {@link webhookRoutes}. */
export interface WebhookOptions {
  /** What Telegram must send in `X-Telegram-Bot-Api-Secret-Token`. */
  readonly secretToken: string
  readonly logger: Logger
  /**
   * After this long the update is acknowledged while its handling goes on, so a slow handler
   * (waiting out a `retry_after`) does not make Telegram deliver the update again. @default 25000
   */
  readonly ackAfterMs?: number
  /** @default '/telegram/webhook' */
  readonly path?: string
}

function sameSecret(received: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof received !== 'string') return false
  const got = Buffer.from(received)
  return got.length === expected.length && timingSafeEqual(got, expected)
}

function isUpdate(body: unknown): body is Update {
  return typeof body === 'object' && body !== null && Number.isSafeInteger((body as { update_id?: unknown }).update_id)
}

/** Largest update body accepted, as `express.json({ limit: '1mb' })` counts it. */
const BODY_LIMIT_BYTES = 1024 * 1024

/**
 * True when `url` names the webhook's path as an Express route would match it: in any case, with
 * or without one trailing slash, whatever the query string.
 */
function matchesPath(url: string, path: string, lowerPath: string): boolean {
  const query = url.indexOf('?')
  const pathname = query === -1 ? url : url.slice(0, query)
  if (pathname === path) return true
  const lower = pathname.toLowerCase()
  return lower === lowerPath || lower === `${lowerPath}/`
}

/**
 * `POST /telegram/webhook`: the bot's updates in webhook mode. Without the right secret header
 * the answer is 401 and nothing runs. Once authenticated the answer is always 200, even when a
 * handler fails (it is logged by the bot's error boundary), because Telegram would otherwise
 * redeliver the same update forever. The first reply of an update may ride on the response
 * (a webhook reply), saving a round trip.
 */
export function webhookRoutes(bot: Bot<BotContext>, options: WebhookOptions): RequestHandler {
  const expected = Buffer.from(options.secretToken)
  const ackAfterMs = options.ackAfterMs ?? 25_000
  const path = options.path ?? '/telegram/webhook'
  const { logger } = options
  const parseJson: RequestHandler = express.json({ limit: '1mb' })

  const handle = async (res: Parameters<RequestHandler>[1], body: unknown): Promise<void> => {
    if (!bot.isInited()) {
      // Before getMe has answered the update cannot be handled; Telegram will deliver it again.
      res.status(503).json({ error: { code: 'starting', message: 'The bot is starting.' } })
      return
    }
    if (!isUpdate(body)) {
      res.status(400).json({ error: { code: 'bad_update', message: 'The body is not a Telegram update.' } })
      return
    }
    let answered = false
    const answer = (payload?: string) => {
      if (answered) return
      answered = true
      // Written directly: Express's send() would hash the body for an ETag nobody uses here.
      if (payload === undefined) res.writeHead(200).end()
      else
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) })
          .end(payload)
    }
    const timer = setTimeout(() => {
      logger.warn({ updateId: body.update_id }, 'webhook update still running; acknowledged early')
      answer()
    }, ackAfterMs)
    try {
      await bot.handleUpdate(body, { send: answer })
    } catch (err) {
      // Only errors outside the bot's error boundary get here; they must not cause redelivery.
      logger.error({ err, updateId: body.update_id }, 'webhook update failed')
    } finally {
      clearTimeout(timer)
      answer()
    }
  }

  const lowerPath = path.toLowerCase()
  // One middleware rather than a router with a route of three handlers: this is the hottest
  // path of the site, and each router step costs more than the check it wraps.
  return (req, res, next) => {
    if (req.method !== 'POST' || !matchesPath(req.url, path, lowerPath)) {
      next()
      return
    }
    if (!sameSecret(req.headers['x-telegram-bot-api-secret-token'], expected)) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'Wrong or missing secret token.' } })
      return
    }
    // Telegram's bodies are read directly: body-parser's generality costs more than the read.
    // A body that is too large or not JSON is refused by the site's error handler (413, 400).
    if (isPlainJson(req, BODY_LIMIT_BYTES)) {
      readPlainJson(req).then((body) => {
        if (body !== undefined) void handle(res, body)
      }, next)
      return
    }
    parseJson(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) next(error)
      else void handle(res, req.body)
    })
  }
}
