import type { IncomingMessage, ServerResponse } from 'node:http'
import accepts from 'accepts'
import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from 'pino'
import { pathOf } from '../http/request.js'
import { send } from '../http/respond.js'
import { errorPage } from './views/pages.js'
import { StoreBusyError } from '../db/errors.js'

/** An error whose status, code and message are meant for the client. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  /** HTTP status, 4xx or 5xx. */
  readonly status: number
  /** A stable machine-readable code, e.g. `bad_signature`. */
  readonly code: string
  /** A short heading for the HTML page. */
  readonly title: string

  constructor(status: number, code: string, message: string, title?: string) {
    super(message)
    this.status = status
    this.code = code
    this.title = title ?? defaultTitle(status)
  }
}

function defaultTitle(status: number): string {
  switch (status) {
    case 400:
      return 'Bad request'
    case 401:
      return 'Login refused'
    case 403:
      return 'Forbidden'
    case 404:
      return 'Not found'
    case 413:
      return 'Too large'
    case 429:
      return 'Too many requests'
    default:
      return status >= 500 ? 'Something went wrong' : 'Request refused'
  }
}

/** Errors thrown by Express's parsers and middleware carry `status` and `expose`. */
interface ExposableError {
  status?: unknown
  statusCode?: unknown
  expose?: unknown
  code?: unknown
  type?: unknown
  message?: unknown
}

function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as ExposableError
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined
  if (status === undefined || status < 400 || status >= 500) return undefined
  if (e.code === 'EBADCSRFTOKEN') {
    return new HttpError(
      403,
      'csrf_invalid',
      'The form has expired or did not come from this site. Reload the page and try again.',
    )
  }
  const code = typeof e.type === 'string' ? e.type.replaceAll('.', '_') : 'bad_request'
  const message = e.expose === true && typeof e.message === 'string' ? e.message : defaultTitle(status)
  return new HttpError(status, code, message)
}

/**
 * Sends an error as HTML, or as `{"error": {"code", "message"}}` when the client prefers JSON.
 * On Node's own objects, so routes served ahead of Express answer errors the same way.
 */
export function writeError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
  const json = accepts(req).type(['html', 'json']) === 'json'
  const body = json
    ? JSON.stringify({ error: { code: error.code, message: error.message } })
    : errorPage(error.status, error.title, error.message).value
  res.setHeader('Cache-Control', 'no-store')
  send(res, error.status, json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8', body)
}

/**
 * Answers any error: a client's error keeps its 4xx and message; anything else is logged with
 * its stack and answered with a plain 500 that reveals nothing.
 */
export function answerError(req: IncomingMessage, res: ServerResponse, error: unknown, logger: Logger): void {
  const httpError = toHttpError(error)
  if (httpError) {
    writeError(req, res, httpError)
    return
  }
  if (error instanceof StoreBusyError) {
    logger.warn({ method: req.method, path: pathOf(req), waitedMs: error.waitedMs }, 'database locked; answered 503')
    res.setHeader('Retry-After', String(BUSY_RETRY_AFTER_SECONDS))
    writeError(
      req,
      res,
      new HttpError(503, 'busy', 'The site is busy for a moment and changed nothing. Try again in a few seconds.'),
    )
    return
  }
  logger.error({ err: error, method: req.method, path: pathOf(req) }, 'request failed')
  writeError(req, res, new HttpError(500, 'internal', 'The server could not answer this request. It has been logged.'))
}

/** What a 503 for a locked database tells the client to wait, in seconds. */
export const BUSY_RETRY_AFTER_SECONDS = 2

/** The last handler for unknown routes. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `There is no page at ${req.path}.`))
}

/** The site's last handler: every error becomes a response (see {@link answerError}). */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error)
      return
    }
    answerError(req, res, error, logger)
  }
}
