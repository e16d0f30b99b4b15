import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Bot } from 'grammy'
import type { Update } from 'grammy/types'
import type { Logger } from 'pino'
import { readJsonBody } from '../http/json-body.js'
import { pathOf, routePath } from '../http/request.js'
import { sendJson } from '../http/respond.js'
import type { BotContext } from './context.js'

/**
 * Connect-style middleware on Node's own request and response, as the site mounts it: it
 * answers, or calls `next` (with an error for the site's error handler to answer).
 */
export type WebhookMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

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
  /** Headers every refusal (401, 400, 503) carries, as every other answer of the site. @default none */
  readonly refusalHeaders?: readonly (readonly [string, string])[]
}

function sameSecret(received: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof received !== 'string') return false
  const got = Buffer.from(received)
  return got.length === expected.length && timingSafeEqual(got, expected)
}

function isUpdate(body: unknown): body is Update {
  return typeof body === 'object' && body !== null && Number.isSafeInteger((body as { update_id?: unknown }).update_id)
}

/** Largest update body accepted: 1 MiB, far more than any update Telegram sends. */
const BODY_LIMIT_BYTES = 1024 * 1024

/**
 * `POST /telegram/webhook`: the bot's updates in webhook mode. Without the right secret header
 * the answer is 401 and nothing runs. Once authenticated the answer is always 200, even when a
 * handler fails (it is logged by the bot's error boundary), because Telegram would otherwise
 * redeliver the same update forever. The first reply of an update may ride on the response
 * (a webhook reply), saving a round trip.
 */
export function webhookRoutes(bot: Bot<BotContext>, options: WebhookOptions): WebhookMiddleware {
  const expected = Buffer.from(options.secretToken)
  const ackAfterMs = options.ackAfterMs ?? 25_000
  const refusing = (res: ServerResponse) => {
    for (const [name, value] of options.refusalHeaders ?? []) res.setHeader(name, value)
  }
  const path = routePath(options.path ?? '/telegram/webhook')
  const { logger } = options

  const handle = async (res: ServerResponse, body: unknown): Promise<void> => {
    if (!bot.isInited()) {
      // Before getMe has answered the update cannot be handled; Telegram will deliver it again.
      refusing(res)
      sendJson(res, 503, { error: { code: 'starting', message: 'The bot is starting.' } })
      return
    }
    if (!isUpdate(body)) {
      refusing(res)
      sendJson(res, 400, { error: { code: 'bad_update', message: 'The body is not a Telegram update.' } })
      return
    }
    let answered = false
    const answer = (payload?: string) => {
      if (answered) return
      answered = true
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

  // One middleware rather than a router with a route of three handlers: this is the hottest
  // path of the site, and each router step costs more than the check it wraps. Its path is
  // matched by the site's rule, as an Express route's would be.
  return (req, res, next) => {
    if (req.method !== 'POST' || routePath(pathOf(req)) !== path) {
      next()
      return
    }
    if (!sameSecret(req.headers['x-telegram-bot-api-secret-token'], expected)) {
      refusing(res)
      sendJson(res, 401, { error: { code: 'unauthorized', message: 'Wrong or missing secret token.' } })
      return
    }
    // A body that is too large, not JSON or not readable is refused by the site's error handler
    // (413, 400, 415); one of another type is no update (400).
    readJsonBody(req, { limit: BODY_LIMIT_BYTES }).then((body) => {
      void handle(res, body)
    }, next)
  }
}
