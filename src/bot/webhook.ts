import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Bot } from 'grammy'
import type { Update } from 'grammy/types'
import express, { type RequestHandler } from 'express'
import type { Logger } from 'pino'
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
 * A body that is not JSON, shaped as body-parser's own error so the site's error handler answers
 * it as it answers `express.json()`'s: 400 `entity_parse_failed` with the parser's message.
 */
export class WebhookBodyError extends Error {
  override readonly name = 'WebhookBodyError'
  readonly status = 400
  readonly expose = true
  readonly type = 'entity.parse.failed'
}

/**
 * True when the body can be read without `express.json()`: JSON in UTF-8, not compressed, with a
 * length within the limit. That is how Telegram posts updates. Anything else goes through
 * `express.json()`, which answers it as it always has (inflating, other charsets, 413, 415).
 */
function isPlainJson(req: IncomingMessage): boolean {
  const { headers } = req
  const encoding = headers['content-encoding']
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false
  const length = headers['content-length']
  if (length === undefined || !/^\d{1,7}$/.test(length) || Number(length) > BODY_LIMIT_BYTES) return false
  const type = headers['content-type']?.toLowerCase().replaceAll(' ', '')
  return type === 'application/json' || type === 'application/json;charset=utf-8'
}

/**
 * The body of a request {@link isPlainJson} admitted, parsed as body-parser would (a byte order
 * mark ignored, an empty body `{}`); `undefined` when the client went away before the end.
 */
function readPlainJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => {
      const [only] = chunks
      const raw = (chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks)).toString('utf8')
      const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
      if (text === '') {
        resolve({})
        return
      }
      try {
        resolve(JSON.parse(text))
      } catch (error) {
        reject(new WebhookBodyError(error instanceof Error ? error.message : 'The body is not valid JSON.'))
      }
    })
    // Whichever comes first settles it: after 'end' these change nothing.
    req.once('aborted', () => { resolve(undefined) })
    req.once('error', () => { resolve(undefined) })
    req.once('close', () => { resolve(undefined) })
  })
}

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
      else res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload)
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
    if (isPlainJson(req)) {
      readPlainJson(req).then(
        (body) => {
          if (body !== undefined) void handle(res, body)
        },
        next,
      )
      return
    }
    parseJson(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) next(error)
      else void handle(res, req.body)
    })
  }
}
