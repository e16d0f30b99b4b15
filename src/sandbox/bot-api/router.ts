import { timingSafeEqual } from 'node:crypto'
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express'
import type { Logger } from 'pino'
import { BotApiError } from '../errors.js'
import type { BotApiContext } from './context.js'
import { type BotApiCounter, invokeMethod } from './methods.js'
import { Params, type RawParams } from './params.js'

const UNAUTHORIZED = new BotApiError(401, 'Unauthorized')
const NOT_FOUND = new BotApiError(404, 'Not Found')

function send(res: Response, error: BotApiError): void {
  res.status(error.errorCode).json(error.toJSON())
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The request's parameters: the query string, overridden by the body, as Telegram merges them. */
function rawParams(req: Request): RawParams {
  const query = req.query as Record<string, unknown>
  const body: unknown = req.body
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? { ...query, ...(body as Record<string, unknown>) }
    : query
}

/** What the Bot API router needs. */
export interface BotApiRouterDeps {
  readonly token: string
  readonly context: BotApiContext
  readonly counter: BotApiCounter
  readonly logger: Logger
}

/**
 * `/bot<token>/<method>` over GET or POST (JSON, form or query), answered as Telegram does:
 * `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description"}` with the same
 * HTTP status; 401 for a wrong token, 404 for an unknown method.
 */
export function botApiRouter(deps: BotApiRouterDeps): Router {
  const { token, context, counter, logger } = deps
  const router = Router()
  router.use(express.json({ limit: '1mb' }))
  router.use(express.urlencoded({ extended: false, limit: '1mb' }))

  router.all('/:bot/:method', async (req, res) => {
    const { bot, method: name } = req.params
    if (!bot.startsWith('bot')) {
      send(res, NOT_FOUND)
      return
    }
    if (!sameToken(bot.slice(3), token)) {
      send(res, UNAUTHORIZED)
      return
    }
    // A long poll ends early when the bot goes away (grammY aborts it on stop()).
    const abort = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) abort.abort()
    })
    try {
      const result = await invokeMethod(name, new Params(rawParams(req)), context, counter, abort.signal)
      if (!res.headersSent && !abort.signal.aborted) res.json({ ok: true, result })
    } catch (err) {
      if (err instanceof BotApiError) {
        if (!res.headersSent) send(res, err)
        return
      }
      logger.error({ err, method: name }, 'sandbox Bot API method failed')
      if (!res.headersSent) send(res, new BotApiError(500, 'Internal Server Error'))
    }
  })

  router.use((_req, res) => {
    send(res, NOT_FOUND)
  })

  const parseErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err)
      return
    }
    const status = (err as { status?: unknown }).status
    if (status === 413) send(res, new BotApiError(413, 'Request Entity Too Large'))
    else if (typeof status === 'number' && status >= 400 && status < 500)
      send(res, new BotApiError(400, "Bad Request: can't parse request body"))
    else next(err)
  }
  router.use(parseErrors)
  return router
}
